/**
 * The completion engine every shell script runs: one POSIX awk program (no gawk extensions, so
 * mawk, BSD awk and busybox run it), written once instead of once per shell. It reads the command
 * spec (spec.ts) on stdin and, from the environment:
 *   LABMESH_COMP_WORDS    the words before the one being completed, without `labmesh`, apart by \037
 *   LABMESH_COMP_CURRENT  the word being completed (up to the cursor)
 *   LABMESH_COMP_VALUES   the known-values file (known-values.ts); LABMESH_PROFILE as usual
 * and prints the candidates that start with the current word, one `value<TAB>description` a line,
 * plus `@files` or `@dirs` when the shell should complete paths. A keypress costs one awk run over
 * a few kilobytes: no Node.js start, no backend call.
 */
export const COMPLETION_ENGINE = String.raw`
BEGIN {
  FS = "\t"
  words = ENVIRON["LABMESH_COMP_WORDS"]
  nw = words == "" ? 0 : split(words, w, "\037")
  cur = ENVIRON["LABMESH_COMP_CURRENT"]
  valuesfile = ENVIRON["LABMESH_COMP_VALUES"]
}
$1 == "C" || $1 == "T" {
  if ($1 == "C") command[$2] = 1; else topic[$2] = 1
  parent = ""; leaf = $2
  if (match($2, / [^ ]+$/)) { parent = substr($2, 1, RSTART - 1); leaf = substr($2, RSTART + 1) }
  if (!((parent, leaf) in known)) { known[parent, leaf] = 1; n = ++nk[parent]; kid[parent, n] = leaf; kdesc[parent, n] = $3 }
  next
}
$1 == "F" { n = ++nf[$2]; fname[$2, n] = $3; fchar[$2, n] = $4; ftakes[$2, n] = $5; fsrc[$2, n] = $6; fmulti[$2, n] = $7; fdesc[$2, n] = $8; next }
$1 == "A" { na[$2] = $3; asrc[$2, $3] = $4; avar[$2] = $5; next }
END { complete() }

function complete(   i, path, longer, f, eq, pos, j, a) {
  # The command: the longest run of words that names a topic or command.
  path = ""
  for (i = 1; i <= nw; i++) {
    if (w[i] ~ /^-/) break
    longer = path == "" ? w[i] : path " " w[i]
    if (!((longer in command) || (longer in topic))) break
    path = longer
  }
  if (cur ~ /^--[^=]*=/) {
    eq = index(cur, "=")
    f = flagnamed(path, substr(cur, 3, eq - 3))
    if (f && ftakes[path, f]) values(fsrc[path, f], substr(cur, 1, eq))
    return
  }
  if (cur ~ /^-/) { flags(path, i); return }
  if (nw >= i) {
    f = flagword(path, w[nw])
    if (f && ftakes[path, f] && w[nw] !~ /=/) { values(fsrc[path, f], ""); return }
  }
  # Which argument the current word is: words after the command that are not flags or their values.
  pos = 1
  for (j = i; j <= nw; j++) {
    if (w[j] ~ /^-/) { f = flagword(path, w[j]); if (f && ftakes[path, f] && w[j] !~ /=/) j++; continue }
    pos++
  }
  if (pos == 1 && (path == "" || (path in topic))) children(path)
  if (path in command) {
    a = pos <= na[path] ? pos : (avar[path] == 1 ? na[path] : 0)
    if (a > 0) values(asrc[path, a], "")
  }
}

function children(path,   k) { for (k = 1; k <= nk[path]; k++) emit(kid[path, k], kdesc[path, k]) }

function flags(path, from,   k, j, used) {
  for (k = 1; k <= nf[path]; k++) {
    used = 0
    if (!fmulti[path, k]) for (j = from; j <= nw; j++) if (flagword(path, w[j]) == k) used = 1
    if (!used) emit("--" fname[path, k], fdesc[path, k])
  }
  emit("--help", "Show help.")
  if (path == "") emit("--version", "Show the version.")
}

function flagnamed(path, name,   k) {
  for (k = 1; k <= nf[path]; k++) if (fname[path, k] == name) return k
  return 0
}

function flagword(path, word,   name, k) {
  if (word ~ /^--/) { name = substr(word, 3); sub(/=.*/, "", name); return flagnamed(path, name) }
  if (word ~ /^-[^-]$/) for (k = 1; k <= nf[path]; k++) if (fchar[path, k] == substr(word, 2)) return k
  return 0
}

function values(source, prefix,   n, k, option, kind, profile, line, field) {
  if (source == "@files" || source == "@dirs") { print source; return }
  if (source ~ /^=/) {
    n = split(substr(source, 2), option, "|")
    for (k = 1; k <= n; k++) emit(prefix option[k], "")
    return
  }
  if (source !~ /^@/) return
  kind = substr(source, 2)
  profile = activeprofile()
  while ((getline line < valuesfile) > 0) {
    split(line, field, "\t")
    if (field[1] == kind && (field[2] == profile || field[2] == "*")) emit(prefix field[3], field[4])
  }
  close(valuesfile)
}

# The profile the command line will use: --profile, then LABMESH_PROFILE, then the default the CLI recorded.
function activeprofile(   j, profile, line, field) {
  for (j = 1; j <= nw; j++) {
    if (w[j] == "--profile" && j < nw) profile = w[j + 1]
    else if (w[j] ~ /^--profile=/) profile = substr(w[j], 11)
  }
  if (profile == "") profile = ENVIRON["LABMESH_PROFILE"]
  if (profile != "") return profile
  while ((getline line < valuesfile) > 0) { split(line, field, "\t"); if (field[1] == "default") profile = field[3] }
  close(valuesfile)
  return profile
}

function emit(value, description) {
  if (substr(value, 1, length(cur)) != cur || (value in emitted)) return
  emitted[value] = 1
  print value "\t" description
}
`
