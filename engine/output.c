/* output.c — atomic, checksummed, optionally gzipped output files and manifest.json
 * (see include/sim_output.h). Compression uses zlib's deflate with a gzip wrapper and no
 * timestamp, so the bytes are the same on every run; the checksum is of the bytes on disk.
 *
 * Memory does not grow with the population: whole files (a bundle per patient) are written into a
 * staging folder ("fhir.partial/") renamed into place when the run completes, and their manifest
 * entries go to a side file (".manifest-entries.partial"), one JSON line each, that the manifest
 * is streamed from at the end.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "sim_output.h"

#include "sim_sha256.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

typedef struct ofile {
    char *rel;  /* as listed in the manifest (with .gz when compressed) */
    char *path; /* final path */
    char *tmp;  /* path while being written */
    FILE *fp;
    z_stream z;
    int gz, zinit, failed;
    sim_sha256 sha;
    uint64_t bytes, rows;
    int text; /* not a data file */
} ofile;

#define ENTRIES ".manifest-entries.partial"

struct sim_output {
    char *dir;
    int gzip;
    SIM_VEC(ofile *) files; /* by pointer: a z_stream must never move */
    SIM_VEC(char *) staged; /* folders whole files are staged in ("fhir"), each once */
    FILE *entries;          /* manifest entries of the whole files, one JSON line each */
    int whole_failed;
    unsigned char zbuf[1 << 16];
};

const char *sim_output_dir(const sim_output *o)
{
    return o->dir;
}

sim_status sim_mkdirs(const char *path, sim_error *err)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    size_t n = strlen(buf);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return sim_error_set(err, SIM_EIO, buf, 0, 0, "cannot create the folder: %s",
                                     strerror(errno));
            struct stat sb;
            if (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode))
                return sim_error_set(err, SIM_EIO, buf, 0, 0, "exists and is not a folder");
            buf[i] = c;
        }
    }
    return SIM_OK;
}

static int safe_rel(const char *rel)
{
    return rel[0] && rel[0] != '/' && !strstr(rel, "..");
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* removes a folder and everything under it */
static void remove_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* the "path" of a manifest line written by this program ({"path": ...} one per line); 0 if none */
static int entry_path(const char *line, char *out, size_t n)
{
    const char *p = strstr(line, "\"path\": \"");
    if (!p) return 0;
    p += 9;
    size_t k = 0;
    while (*p && *p != '"' && k + 1 < n) {
        if (*p == '\\' && p[1]) p++;
        out[k++] = *p++;
    }
    out[k] = '\0';
    return *p == '"';
}

/* Forget what a previous run wrote here: every file its manifest lists, the folders it staged
 * whole files in, and its side file. Read a line at a time: the manifest may list millions. */
static void remove_previous(const char *dir)
{
    char mpath[4096], p[8400], rel[4096];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
    FILE *f = fopen(mpath, "r");
    if (f) {
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
            if (!entry_path(line, rel, sizeof rel) || !safe_rel(rel)) continue;
            snprintf(p, sizeof p, "%s/%s", dir, rel);
            unlink(p);
            /* a staged folder ("fhir.partial/...") of an interrupted run */
            char *slash = strchr(rel, '/');
            if (slash) {
                *slash = '\0';
                size_t n = strlen(rel);
                snprintf(p, sizeof p, "%s/%s", dir, rel);
                if (n > 8 && !strcmp(rel + n - 8, ".partial"))
                    remove_tree(p);
                else
                    rmdir(p); /* when empty */
            }
        }
        free(line);
        fclose(f);
    }
    unlink(mpath);
    snprintf(p, sizeof p, "%s/%s", dir, ENTRIES);
    unlink(p);
}

sim_status sim_output_open(const char *dir, int gzip, sim_output **out, sim_error *err)
{
    *out = NULL;
    sim_status st = sim_mkdirs(dir, err);
    if (st != SIM_OK) return st;
    sim_output *o = calloc(1, sizeof *o);
    if (!o) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    o->dir = sim_strdup(dir);
    o->gzip = gzip;
    if (!o->dir) {
        free(o);
        return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    remove_previous(dir);
    *out = o;
    return SIM_OK;
}

static sim_status file_error(ofile *f, sim_error *err, const char *what)
{
    f->failed = 1;
    return sim_error_set(err, SIM_EIO, f->path, 0, 0, "cannot %s: %s", what, strerror(errno));
}

static sim_status raw_write(ofile *f, const void *p, size_t n, sim_error *err)
{
    if (!n) return SIM_OK;
    if (fwrite(p, 1, n, f->fp) != n) return file_error(f, err, "write");
    sim_sha256_update(&f->sha, p, n);
    f->bytes += n;
    return SIM_OK;
}

static sim_status zwrite(sim_output *o, ofile *f, const void *data, size_t len, int flush,
                         sim_error *err)
{
    if (!f->gz) return raw_write(f, data, len, err);
    f->z.next_in = (Bytef *)(uintptr_t)data;
    f->z.avail_in = (uInt)len;
    do {
        f->z.next_out = o->zbuf;
        f->z.avail_out = sizeof o->zbuf;
        int r = deflate(&f->z, flush);
        if (r == Z_STREAM_ERROR) {
            f->failed = 1;
            return sim_error_set(err, SIM_EIO, f->path, 0, 0, "compression failed");
        }
        sim_status st = raw_write(f, o->zbuf, sizeof o->zbuf - f->z.avail_out, err);
        if (st != SIM_OK) return st;
    } while (f->z.avail_out == 0 || (flush == Z_FINISH && f->z.avail_in > 0));
    return SIM_OK;
}

static int new_file(sim_output *o, const char *rel, int gz, int text, sim_error *err)
{
    if (!safe_rel(rel)) {
        sim_error_set(err, SIM_EINVAL, rel, 0, 0, "not a relative output path");
        return -1;
    }
    ofile *f = calloc(1, sizeof *f);
    ofile **slot = f ? sim_vec_add(&o->files) : NULL;
    if (!slot) {
        free(f);
        sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    *slot = f;
    int h = (int)(o->files.n - 1);
    size_t n = strlen(rel) + 4;
    f->rel = malloc(n);
    f->path = malloc(strlen(o->dir) + n + 2);
    f->tmp = malloc(strlen(o->dir) + n + 12);
    if (!f->rel || !f->path || !f->tmp) {
        sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        return -1;
    }
    snprintf(f->rel, n, "%s%s", rel, gz ? ".gz" : "");
    sprintf(f->path, "%s/%s", o->dir, f->rel);
    sprintf(f->tmp, "%s.partial", f->path);
    f->gz = gz;
    f->text = text;
    sim_sha256_init(&f->sha);
    /* the file's folder */
    char folder[4096];
    snprintf(folder, sizeof folder, "%s", f->path);
    char *slash = strrchr(folder, '/');
    if (slash) {
        *slash = '\0';
        if (sim_mkdirs(folder, err) != SIM_OK) return -1;
    }
    f->fp = fopen(f->tmp, "wb");
    if (!f->fp) {
        file_error(f, err, "create");
        return -1;
    }
    setvbuf(f->fp, NULL, _IOFBF, 1 << 20);
    if (gz) {
        /* windowBits 15 + 16: a gzip wrapper with no name and no timestamp */
        if (deflateInit2(&f->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "cannot start compression");
            return -1;
        }
        f->zinit = 1;
    }
    return h;
}

int sim_output_file(sim_output *o, const char *rel, const char *header, sim_error *err)
{
    int h = new_file(o, rel, o->gzip, 0, err);
    if (h < 0) return -1;
    if (header) {
        ofile *f = o->files.v[h];
        if (zwrite(o, f, header, strlen(header), Z_NO_FLUSH, err) != SIM_OK ||
            zwrite(o, f, "\n", 1, Z_NO_FLUSH, err) != SIM_OK)
            return -1;
    }
    return h;
}

sim_status sim_output_append(sim_output *o, int handle, const void *data, size_t len, uint64_t rows,
                             sim_error *err)
{
    ofile *f = o->files.v[handle];
    if (f->failed) return sim_error_set(err, SIM_EIO, f->path, 0, 0, "an earlier write failed");
    sim_status st = zwrite(o, f, data, len, Z_NO_FLUSH, err);
    if (st == SIM_OK) f->rows += rows;
    return st;
}

uint64_t sim_output_rows(const sim_output *o, int handle)
{
    return o->files.v[handle]->rows;
}

static sim_status close_file(sim_output *o, ofile *f, sim_error *err)
{
    sim_status st = SIM_OK;
    if (!f->fp) return SIM_OK;
    if (f->gz && !f->failed) st = zwrite(o, f, NULL, 0, Z_FINISH, err);
    if (f->zinit) {
        deflateEnd(&f->z);
        f->zinit = 0;
    }
    if (fflush(f->fp) != 0 && st == SIM_OK) st = file_error(f, err, "write");
    if (fclose(f->fp) != 0 && st == SIM_OK) st = file_error(f, err, "write");
    f->fp = NULL;
    return st;
}

/* the staging folder of a whole file's top folder, emptied the first time it is used */
static sim_status stage(sim_output *o, const char *top, sim_error *err)
{
    for (size_t i = 0; i < o->staged.n; i++)
        if (!strcmp(o->staged.v[i], top)) return SIM_OK;
    char p[4200];
    snprintf(p, sizeof p, "%s/%s.partial", o->dir, top);
    remove_tree(p); /* left by a run that was killed before it could write its manifest */
    sim_status st = sim_mkdirs(p, err);
    if (st != SIM_OK) return st;
    char *copy = sim_strdup(top);
    char **slot = copy ? sim_vec_add(&o->staged) : NULL;
    if (!slot) {
        free(copy);
        return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    *slot = copy;
    if (!o->entries) {
        snprintf(p, sizeof p, "%s/%s", o->dir, ENTRIES);
        o->entries = fopen(p, "w+");
        if (!o->entries)
            return sim_error_set(err, SIM_EIO, p, 0, 0, "cannot create: %s", strerror(errno));
    }
    return SIM_OK;
}

/* one manifest entry, as a line of the manifest's "files" array (without the comma) */
static void entry_line(FILE *fp, const char *rel, const char *suffix, int with_rows, uint64_t rows,
                       uint64_t bytes, const char *hex)
{
    json_t *js = json_string(rel);
    char *q = json_dumps(js, JSON_ENCODE_ANY);
    fprintf(fp, "    {\"path\": %.*s%s\"", q ? (int)strlen(q) - 1 : 2, q ? q : "\"?", suffix);
    if (with_rows) fprintf(fp, ", \"rows\": %llu", (unsigned long long)rows);
    fprintf(fp, ", \"bytes\": %llu, \"sha256\": \"%s\"}", (unsigned long long)bytes, hex);
    free(q);
    json_decref(js);
}

sim_status sim_output_whole(sim_output *o, const char *rel, const void *data, size_t len,
                            uint64_t rows, sim_error *err)
{
    const char *slash = strchr(rel, '/');
    if (!safe_rel(rel) || !slash || !slash[1])
        return sim_error_set(err, SIM_EINVAL, rel, 0, 0, "not a file in a folder of the output");
    if (o->whole_failed) return sim_error_set(err, SIM_EIO, rel, 0, 0, "an earlier write failed");
    char top[256];
    snprintf(top, sizeof top, "%.*s", (int)(slash - rel), rel);
    sim_status st = stage(o, top, err);
    if (st != SIM_OK) return st;
    ofile f;
    memset(&f, 0, sizeof f);
    char final_rel[4096], tmp[8400];
    snprintf(final_rel, sizeof final_rel, "%s%s", rel, o->gzip ? ".gz" : "");
    snprintf(tmp, sizeof tmp, "%s/%s.partial%s", o->dir, top, final_rel + strlen(top));
    f.path = tmp;
    f.gz = o->gzip;
    f.fp = fopen(tmp, "wb");
    if (!f.fp) {
        o->whole_failed = 1;
        return file_error(&f, err, "create");
    }
    if (f.gz) {
        if (deflateInit2(&f.z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            fclose(f.fp);
            o->whole_failed = 1;
            return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "cannot start compression");
        }
        f.zinit = 1;
    }
    sim_sha256_init(&f.sha);
    st = zwrite(o, &f, data, len, Z_NO_FLUSH, err);
    sim_status s2 = close_file(o, &f, err);
    if (st == SIM_OK) st = s2;
    char hex[65];
    sim_sha256_hex(&f.sha, hex);
    if (st == SIM_OK && !hex[0])
        st = sim_error_set(err, SIM_ENOMEM, f.path, 0, 0, "cannot compute the checksum");
    if (st != SIM_OK) {
        o->whole_failed = 1;
        return st;
    }
    entry_line(o->entries, final_rel, "", 1, rows, f.bytes, hex);
    fputc('\n', o->entries);
    if (ferror(o->entries)) {
        o->whole_failed = 1;
        return sim_error_set(err, SIM_EIO, ENTRIES, 0, 0, "cannot write: %s", strerror(errno));
    }
    return SIM_OK;
}

sim_status sim_output_text(sim_output *o, const char *rel, const char *text, sim_error *err)
{
    int h = new_file(o, rel, 0, 1, err);
    if (h < 0) return err->code ? err->code : SIM_EIO;
    ofile *f = o->files.v[h];
    sim_status st = raw_write(f, text, strlen(text), err);
    if (st == SIM_OK) st = close_file(o, f, err);
    return st;
}

/* the "files" entries of the whole files, from the side file, into the manifest; an incomplete
 * run's paths name the staging folder */
static int copy_entries(sim_output *o, FILE *out, int complete, int *first)
{
    if (!o->entries) return 0;
    if (fflush(o->entries) != 0 || fseek(o->entries, 0, SEEK_SET) != 0) return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, o->entries)) > 0) {
        if (line[n - 1] == '\n') line[--n] = '\0';
        fputs(*first ? "\n" : ",\n", out);
        *first = 0;
        const char *p = strstr(line, "{\"path\": \"");
        const char *slash = p ? strchr(p + 10, '/') : NULL;
        if (!complete && slash) /* fhir/x.json -> fhir.partial/x.json */
            fprintf(out, "%.*s.partial%s", (int)(slash - line), line, slash);
        else
            fputs(line, out);
    }
    free(line);
    return ferror(o->entries) ? -1 : 0;
}

/* the staging folders renamed into place: "fhir.partial" -> "fhir" */
static sim_status unstage(sim_output *o, sim_error *err)
{
    for (size_t i = 0; i < o->staged.n; i++) {
        char from[4200], to[4200];
        snprintf(from, sizeof from, "%s/%s.partial", o->dir, o->staged.v[i]);
        snprintf(to, sizeof to, "%s/%s", o->dir, o->staged.v[i]);
        rmdir(to); /* a previous run's, emptied by remove_previous */
        if (rename(from, to) != 0)
            return sim_error_set(err, SIM_EIO, to, 0, 0,
                                 errno == ENOTEMPTY || errno == EEXIST
                                     ? "cannot move the finished files into place: the folder "
                                       "holds files this run did not write; remove them or "
                                       "choose another output folder"
                                     : "cannot move the finished files into place: %s",
                                 strerror(errno));
    }
    return SIM_OK;
}

sim_status sim_output_finish(sim_output *o, json_t *meta, int complete, const char *reason,
                             sim_error *err)
{
    sim_status st = SIM_OK;
    char why[sizeof err->msg] = "";
    if (reason) snprintf(why, sizeof why, "%s", reason);
    for (size_t i = 0; i < o->files.n; i++) {
        sim_status s1 = close_file(o, o->files.v[i], err);
        if (s1 != SIM_OK && st == SIM_OK) {
            st = s1;
            complete = 0;
            snprintf(why, sizeof why, "%s", err->msg);
        }
    }
    if (complete && o->whole_failed) complete = 0;
    if (complete) {
        for (size_t i = 0; i < o->files.n; i++) {
            ofile *f = o->files.v[i];
            if (rename(f->tmp, f->path) != 0) {
                st = file_error(f, err, "rename into place");
                complete = 0;
                snprintf(why, sizeof why, "%s", err->msg);
                break;
            }
        }
    }
    if (complete && (st = unstage(o, err)) != SIM_OK) {
        complete = 0;
        snprintf(why, sizeof why, "%s", err->msg);
    }
    /* the manifest: the run's description, then the files, one per line */
    json_t *m = meta ? json_deep_copy(meta) : json_object();
    if (!m) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    json_object_set_new(m, "status", json_string(complete ? "complete" : "incomplete"));
    if (!complete) json_object_set_new(m, "reason", json_string(why[0] ? why : "stopped"));
    char *head = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(m);
    if (!head) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    char mpath[4096], mtmp[4200];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", o->dir);
    snprintf(mtmp, sizeof mtmp, "%s.partial", mpath);
    FILE *mf = fopen(mtmp, "w");
    int bad = !mf;
    if (mf) {
        size_t hl = strlen(head);
        while (hl && head[hl - 1] != '}') hl--;
        if (hl) hl--; /* drop the closing brace: "files" goes last */
        while (hl && (head[hl - 1] == '\n' || head[hl - 1] == ' ')) hl--;
        fwrite(head, 1, hl, mf);
        fputs(hl > 1 ? ",\n  \"files\": [" : "\n  \"files\": [", mf);
        int first = 1;
        for (size_t i = 0; i < o->files.n; i++) {
            ofile *f = o->files.v[i];
            char hex[65];
            sim_sha256_hex(&f->sha, hex);
            if (!hex[0]) bad = 1; /* the hashing ran out of memory */
            fputs(first ? "\n" : ",\n", mf);
            first = 0;
            entry_line(mf, f->rel, complete ? "" : ".partial", !f->text, f->rows, f->bytes, hex);
        }
        if (copy_entries(o, mf, complete, &first) != 0) bad = 1;
        fputs("\n  ]\n}\n", mf);
        if (fflush(mf) != 0 || ferror(mf)) bad = 1;
        if (fclose(mf) != 0) bad = 1;
    }
    free(head);
    if (bad || rename(mtmp, mpath) != 0) {
        if (st == SIM_OK)
            st = sim_error_set(err, SIM_EIO, mpath, 0, 0, "cannot write the manifest: %s",
                               strerror(errno));
        unlink(mtmp);
        return st;
    }
    if (o->entries) {
        fclose(o->entries);
        o->entries = NULL;
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", o->dir, ENTRIES);
        if (complete) unlink(p);
    }
    return st;
}

void sim_output_free(sim_output *o)
{
    if (!o) return;
    for (size_t i = 0; i < o->files.n; i++) {
        ofile *f = o->files.v[i];
        if (f->fp) fclose(f->fp);
        if (f->zinit) deflateEnd(&f->z);
        sim_sha256_discard(&f->sha);
        free(f->rel);
        free(f->path);
        free(f->tmp);
        free(f);
    }
    free(o->files.v);
    for (size_t i = 0; i < o->staged.n; i++) free(o->staged.v[i]);
    free(o->staged.v);
    if (o->entries) fclose(o->entries);
    free(o->dir);
    free(o);
}
