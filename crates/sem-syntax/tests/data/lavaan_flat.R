# Writes lavaan's flat table for every model in a models file, as the reference that
# tests/lavaan_parity.rs compares sem-syntax against.
#
#   Rscript tests/data/lavaan_flat.R tests/data/lavaan_models.lav > tests/data/lavaan_flat.tsv
#
# Models are separated by lines `### <name>`. Output columns (tab-separated): model, lhs, op, rhs,
# fixed, start, label; vector modifiers are joined with `;`, missing elements are `NA`, absent
# modifiers are empty. `:=`, `==`, `<`, `>` come from attr(, "constraints") after the rows.
suppressMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
lines <- readLines(args[1])
starts <- grep("^### ", lines)
ends <- c(starts[-1] - 1, length(lines))
cell <- function(x) {
  if (is.null(x)) return("")
  x <- ifelse(is.na(x), "NA", as.character(x))
  paste(x, collapse = ";")
}
num <- function(x) {
  if (is.null(x)) return(NULL)
  # 17 significant digits: the value survives the round trip through text exactly.
  ifelse(is.na(x), NA, sprintf("%.17g", x))
}
cat("model\tlhs\top\trhs\tfixed\tstart\tlabel\n")
cat(sprintf("# lavaan %s\n", as.character(packageVersion("lavaan"))))
for (i in seq_along(starts)) {
  name <- sub("^### ", "", lines[starts[i]])
  model <- paste(lines[(starts[i] + 1):ends[i]], collapse = "\n")
  flat <- lavParseModelString(model)
  mods <- attr(flat, "modifiers")
  for (r in seq_along(flat$lhs)) {
    m <- if (flat$mod.idx[r] > 0) mods[[flat$mod.idx[r]]] else list()
    cat(paste(name, flat$lhs[r], flat$op[r], flat$rhs[r],
              cell(num(m$fixed)), cell(num(m$start)), cell(m$label), sep = "\t"), "\n", sep = "")
  }
  for (con in attr(flat, "constraints")) {
    cat(paste(name, con$lhs, con$op, con$rhs, "", "", "", sep = "\t"), "\n", sep = "")
  }
}
