/*
 * replay.c - run a fuzz target over saved inputs without libFuzzer, so
 * that the checked-in seeds, and any crash input added beside them, run as
 * a regression test built with the ordinary compiler.  Linked with one
 * target; its arguments are files or directories (every regular file in
 * a directory, in name order).  A broken check aborts, as under libFuzzer.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"

/* replay_file - read path whole and hand it to the target; 0 or -1. */
static int
replay_file(const char *path)
{
	struct stat st;
	uint8_t *data;
	size_t done = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	/* Exactly the input's size, so a sanitizer sees any read past it. */
	data = route_xmalloc((size_t)st.st_size);
	while (done < (size_t)st.st_size &&
	       (n = read(fd, data + done, (size_t)st.st_size - done)) > 0)
		done += (size_t)n;
	close(fd);
	if (done != (size_t)st.st_size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(data);
		return -1;
	}
	fprintf(stderr, "replay: %s\n", path);
	LLVMFuzzerTestOneInput(data, done);
	free(data);
	return 0;
}

/* replay_dir - every regular file in dir; *count_r grows by their number. */
static int
replay_dir(const char *dir, size_t *count_r)
{
	struct dirent **names;
	struct stat st;
	char *path;
	int i, n, rc = 0;

	if ((n = scandir(dir, &names, NULL, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		path = route_xasprintf("%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			if (replay_file(path) == -1)
				rc = -1;
			(*count_r)++;
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* main - replay every argument; exit 1 if one could not be read or a
 * directory held no input (a corpus that vanished must not pass). */
int
main(int argc, char **argv)
{
	struct stat st;
	size_t count;
	int i, status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		count = 0;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) == -1)
				status = 1;
			else if (count == 0) {
				fprintf(stderr, "replay: %s: no input files\n",
					argv[i]);
				status = 1;
			}
		} else if (replay_file(argv[i]) == -1)
			status = 1;
	}
	return status;
}
