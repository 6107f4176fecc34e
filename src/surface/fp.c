/* fp.c - placeholder */
