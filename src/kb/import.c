/* import.c - the importer table. */
#include "kb/import.h"

#include <string.h>

const struct tk_importer tk_importers[] = {
    { "nvd", "FILE|DIR",
      "NVD CVE API 2.0 JSON: pages or yearly files, .json or .json.gz, or a directory of them; "
      "streamed in bounded memory.",
      tk_import_nvd },
    { "kev", "FILE", "CISA Known Exploited Vulnerabilities catalog (JSON).", tk_import_kev },
    { "epss", "FILE", "FIRST EPSS scores (CSV or .csv.gz); keeps the model version and date.",
      tk_import_epss },
    { "osv", "FILE|DIR|ZIP",
      "OSV advisories (JSON file, directory, or all.zip), e.g. the Debian ecosystem.",
      tk_import_osv },
    { "jvn", "FILE|DIR",
      "JVN iPedia / MyJVN getVulnOverviewList XML: Japanese titles and JVNDB ids by CVE.",
      tk_import_jvn },
};
const size_t tk_nimporters = sizeof tk_importers / sizeof tk_importers[0];

const struct tk_importer *tk_importer_find(const char *name)
{
    for (size_t i = 0; i < tk_nimporters; i++)
        if (strcmp(tk_importers[i].name, name) == 0)
            return &tk_importers[i];
    return NULL;
}
