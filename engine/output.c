/* output.c — atomic, checksummed, optionally gzipped output files and manifest.json
 * (see include/sim_output.h). Compression uses zlib's deflate with a gzip wrapper and no
 * timestamp, so the bytes are the same on every run; the checksum is of the bytes on disk.
 */
#include "sim_output.h"

#include "sim_sha256.h"

#include <errno.h>
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

struct sim_output {
    char *dir;
    int gzip;
    SIM_VEC(ofile *) files; /* by pointer: a z_stream must never move */
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

/* forget what a previous run wrote here */
static void remove_previous(const char *dir)
{
    char mpath[4096];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    if (m) {
        json_t *files = json_object_get(m, "files");
        size_t i;
        json_t *f;
        json_array_foreach(files, i, f)
        {
            const char *rel = json_string_value(json_object_get(f, "path"));
            if (!rel || !safe_rel(rel)) continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", dir, rel);
            unlink(p);
        }
        json_decref(m);
    }
    unlink(mpath);
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

sim_status sim_output_whole(sim_output *o, const char *rel, const void *data, size_t len,
                            uint64_t rows, sim_error *err)
{
    int h = new_file(o, rel, o->gzip, 0, err);
    if (h < 0) return err->code ? err->code : SIM_EIO;
    ofile *f = o->files.v[h];
    sim_status st = zwrite(o, f, data, len, Z_NO_FLUSH, err);
    f->rows = rows;
    if (st == SIM_OK) st = close_file(o, f, err);
    return st;
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

sim_status sim_output_finish(sim_output *o, json_t *meta, int complete, const char *reason,
                             sim_error *err)
{
    sim_status st = SIM_OK;
    for (size_t i = 0; i < o->files.n; i++) {
        sim_status s1 = close_file(o, o->files.v[i], err);
        if (s1 != SIM_OK && st == SIM_OK) {
            st = s1;
            complete = 0;
            reason = err->msg;
        }
    }
    if (complete) {
        for (size_t i = 0; i < o->files.n; i++) {
            ofile *f = o->files.v[i];
            if (rename(f->tmp, f->path) != 0) {
                st = file_error(f, err, "rename into place");
                complete = 0;
                reason = err->msg;
                break;
            }
        }
    }
    json_t *m = meta ? json_deep_copy(meta) : json_object();
    json_t *files = json_array();
    if (!m || !files) {
        json_decref(m);
        json_decref(files);
        return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    json_object_set_new(m, "status", json_string(complete ? "complete" : "incomplete"));
    if (!complete) json_object_set_new(m, "reason", json_string(reason ? reason : "stopped"));
    for (size_t i = 0; i < o->files.n; i++) {
        ofile *f = o->files.v[i];
        char hex[65];
        sim_sha256_hex(&f->sha, hex);
        json_t *e = json_object();
        char relp[4096];
        snprintf(relp, sizeof relp, "%s%s", f->rel, complete ? "" : ".partial");
        json_object_set_new(e, "path", json_string(relp));
        if (!f->text) json_object_set_new(e, "rows", json_integer((json_int_t)f->rows));
        json_object_set_new(e, "bytes", json_integer((json_int_t)f->bytes));
        json_object_set_new(e, "sha256", json_string(hex));
        json_array_append_new(files, e);
    }
    json_object_set_new(m, "files", files);
    char mpath[4096], mtmp[4200];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", o->dir);
    snprintf(mtmp, sizeof mtmp, "%s.partial", mpath);
    if (json_dump_file(m, mtmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
        rename(mtmp, mpath) != 0) {
        if (st == SIM_OK)
            st = sim_error_set(err, SIM_EIO, mpath, 0, 0, "cannot write the manifest: %s",
                               strerror(errno));
        unlink(mtmp);
    }
    json_decref(m);
    return st;
}

void sim_output_free(sim_output *o)
{
    if (!o) return;
    for (size_t i = 0; i < o->files.n; i++) {
        ofile *f = o->files.v[i];
        if (f->fp) fclose(f->fp);
        if (f->zinit) deflateEnd(&f->z);
        free(f->rel);
        free(f->path);
        free(f->tmp);
        free(f);
    }
    free(o->files.v);
    free(o->dir);
    free(o);
}
