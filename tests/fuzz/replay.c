/* replay.c — runs every file of the given corpus folders through LLVMFuzzerTestOneInput, so the
 * fuzz corpus is also an ordinary ctest test (and runs under the sanitizers in CI). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    size_t total = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "replay: cannot open the corpus folder %s\n", argv[i]);
            return 2;
        }
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.') continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                char **nn = realloc(names, cap * sizeof *nn);
                if (!nn) return 3;
                names = nn;
            }
            names[n++] = strdup(de->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof *names, cmp);
        for (size_t k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[k]);
            FILE *f = fopen(path, "rb");
            if (!f) {
                fprintf(stderr, "replay: cannot read %s\n", path);
                return 2;
            }
            unsigned char *buf = NULL;
            size_t len = 0, bcap = 0, got;
            unsigned char chunk[65536];
            while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
                if (len + got > bcap) {
                    bcap = (len + got) * 2;
                    unsigned char *nb = realloc(buf, bcap);
                    if (!nb) return 3;
                    buf = nb;
                }
                memcpy(buf + len, chunk, got);
                len += got;
            }
            fclose(f);
            LLVMFuzzerTestOneInput(buf ? buf : (const unsigned char *)"", len);
            free(buf);
            free(names[k]);
            total++;
        }
        free(names);
    }
    printf("replayed %zu inputs\n", total);
    return total ? 0 : 1;
}
