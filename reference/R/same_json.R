# Checks that freshly written references (in DIR) equal the committed ones of the same name,
# ignoring the fields the shared tool did not write (`partable`, `modindices`).
# Usage: Rscript same_json.R DIR NAME.json ...   (run from reference/; stops on a difference)
suppressPackageStartupMessages(library(jsonlite))
a <- commandArgs(trailingOnly = TRUE)
drop <- function(x) x[setdiff(names(x), c("partable", "modindices"))]
for (f in a[-1]) {
  new <- drop(fromJSON(file.path(a[1], f), simplifyVector = FALSE))
  old <- drop(fromJSON(f, simplifyVector = FALSE))
  if (!identical(new, old)) stop(f, ": regenerated JSON differs from the committed one")
  message(f, ": regenerated JSON equals the committed one")
}
