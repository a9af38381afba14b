# Normalises `xfs_logprint -t` and `xlogdump trans` to one line per
# transaction and item: "T cycle block tid th_items", "B daddr len flags",
# "I ino fields dsize", "C ag agbno len count isize gen", and the item name
# alone for the others (from the "NAME: cnt:" line logprint opens each item
# with: it prints "RUI:" again at the start of the next line). Input: -v
# src=logprint or src=xlogdump.
function hex(s) { sub(/^0x/, "", s); return tolower(s) }
src == "logprint" && /^LOG REC AT LSN cycle/ { cyc = $6; blk = $8 }
src == "logprint" && /^TRANS: tid:/ { split($2, a, ":"); split($3, b, ":"); print "T", cyc, blk, hex(a[2]), b[2] }
src == "logprint" && /^\tBUF: / { for (i = 1; i <= NF; i++) { if ($i ~ /^blkno:/) { split($i, kv, ":"); d = hex(kv[2]) } if ($i ~ /^len:/) { split($i, kv, ":"); ln = kv[2] } if ($i ~ /^flags:/) { split($i, kv, ":"); f = hex(kv[2]) } } print "B", d, ln, f }
src == "logprint" && /^\tINODE: / { for (i = 1; i <= NF; i++) { if ($i ~ /^ino:/) { split($i, kv, ":"); n = hex(kv[2]) } if ($i ~ /^flags:/) { split($i, kv, ":"); f = hex(kv[2]) } if ($i ~ /^dsize:/) { split($i, kv, ":"); sz = kv[2] } } print "I", n, f, sz }
src == "logprint" && /^\tICR: / { ag = $3; ab = hex($5); ln = $7 }
src == "logprint" && /^\t      cnt: / { print "C", ag, ab, ln, $2, $4, hex($6) }
src == "logprint" && /^(EFI|EFD|RUI|RUD|CUI|CUD|BUI|BUD|QOFF|ATTRI|ATTRD): cnt:/ { nm = $1; sub(/:$/, "", nm); print tolower(nm) }
# log_print_all.c names a dquot item "DQ " (with its space)
src == "logprint" && /^DQ : cnt:/ { print "dquot" }
src == "xlogdump" && /^trans / { split($5, lsn, "/"); print "T", lsn[1], lsn[2], hex($3), $11 }
src == "xlogdump" && $1 == "buf" { print "B", hex($3), $5, hex($7) }
src == "xlogdump" && $1 == "inode" { print "I", hex($3), hex($5), $7 }
src == "xlogdump" && $1 == "icreate" { print "C", $3, hex($5), $7, $9, $11, hex($13) }
src == "xlogdump" && $1 ~ /^(efi|efd|rui|rud|cui|cud|bui|bud|attri|attrd)$/ { print $1 }
src == "xlogdump" && $1 == "dquot" { print "dquot" }
src == "xlogdump" && $1 == "quotaoff" { print "qoff" }
