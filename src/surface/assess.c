/* assess.c - placeholder */
