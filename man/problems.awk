# fsimg fsck --list-problems -v (tab-separated) -> the mdoc list of fsimg-fsck(1).
BEGIN { FS = "\t" }
{
	printf ".It Sy %s\n", $1
	printf "(%s, %s, %s)\n", $2, $3, $5
	printf "%s\n", $6
}
