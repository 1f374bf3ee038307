/* test_scale.c — the same bytes whatever the split: 1, 2 and 8 threads give identical folders;
 * shards of 2, 3 and 5, merged in any order, give the unsharded folder, manifest and dataset card
 * included, gzipped or not, for a cohort too; merge refuses what it cannot join exactly. */
#include "e2e.h"

static const char *flags = "-q -p 150 -s 21 -f csv,fhir,ndjson";

static int run(const char *dir, const char *extra, char *err, size_t errsz)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "rm -rf %s && %s run %s -d %s/tests/fixtures/all_records/modules %s -o %s", dir, bin(),
             flags, getenv("LIFESIM_HOME"), extra, dir);
    return sh(cmd, err, errsz);
}

static int same(const char *a, const char *b, char *err, size_t errsz)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "diff -r %s %s >&2", a, b);
    return sh(cmd, err, errsz);
}

static void test_threads(void)
{
    char one[1024], err[8192];
    snprintf(one, sizeof one, "%s/scale_t1", tmpdir());
    CHECK(run(one, "-t 1", err, sizeof err) == 0, "1 thread: %s", err);
    check_clean(one);
    static const char *const counts[] = {"2", "8", NULL};
    for (int i = 0; counts[i]; i++) {
        char dir[1024], extra[64];
        snprintf(dir, sizeof dir, "%s/scale_t%s", tmpdir(), counts[i]);
        snprintf(extra, sizeof extra, "-t %s", counts[i]);
        CHECK(run(dir, extra, err, sizeof err) == 0, "%s threads: %s", counts[i], err);
        CHECK(same(one, dir, err, sizeof err) == 0, "%s threads give the bytes of 1: %s", counts[i],
              err);
    }
}

static void sharded(const char *reference, int n, const char *extra, const char *order)
{
    char err[8192], dirs[4096] = "", merged[1024], cmd[8192];
    /* the shard folders, in the order `order` lists them (1-based digits) */
    for (const char *o = order; *o; o++) {
        int k = *o - '0';
        char dir[1024], ex[256];
        snprintf(dir, sizeof dir, "%s/scale_s%d_%d", tmpdir(), n, k);
        snprintf(ex, sizeof ex, "%s --shard %d/%d", extra, k, n);
        CHECK(run(dir, ex, err, sizeof err) == 0, "shard %d/%d: %s", k, n, err);
        strncat(dirs, " ", sizeof dirs - strlen(dirs) - 1);
        strncat(dirs, dir, sizeof dirs - strlen(dirs) - 1);
    }
    snprintf(merged, sizeof merged, "%s/scale_m%d", tmpdir(), n);
    snprintf(cmd, sizeof cmd, "rm -rf %s && %s merge %s%s", merged, bin(), merged, dirs);
    CHECK(sh(cmd, err, sizeof err) == 0, "merge of %d: %s", n, err);
    CHECK(same(reference, merged, err, sizeof err) == 0,
          "%d shards (%s) merge into the unsharded bytes: %s", n, extra, err);
}

static void test_shards(void)
{
    char ref[1024], err[8192];
    snprintf(ref, sizeof ref, "%s/scale_t1", tmpdir());
    sharded(ref, 2, "", "12");
    sharded(ref, 3, "", "312");
    sharded(ref, 5, "", "53124");
    /* gzipped */
    char gz[1024];
    snprintf(gz, sizeof gz, "%s/scale_gz", tmpdir());
    CHECK(run(gz, "--gzip -t 2", err, sizeof err) == 0, "gzip run: %s", err);
    sharded(gz, 3, "--gzip", "213");
}

static void test_cohort(void)
{
    char cmd[16384], err[8192], one[512], two[512], s1[512], s2[512], m[512];
    const char *sc = "scenarios/appendicitis_cohort.yaml";
    snprintf(one, sizeof one, "%s/scale_c1", tmpdir());
    snprintf(two, sizeof two, "%s/scale_c2", tmpdir());
    snprintf(s1, sizeof s1, "%s/scale_cs1", tmpdir());
    snprintf(s2, sizeof s2, "%s/scale_cs2", tmpdir());
    snprintf(m, sizeof m, "%s/scale_cm", tmpdir());
    snprintf(cmd, sizeof cmd,
             "cd %s && rm -rf %s %s %s %s %s && %s run %s -q -p 20 -t 1 -o %s && %s run %s -q -p "
             "20 -t 2 -o %s && "
             "%s run %s -q -p 20 --shard 1/2 -o %s && %s run %s -q -p 20 --shard 2/2 -o %s && "
             "%s merge %s %s %s",
             getenv("LIFESIM_HOME"), one, two, s1, s2, m, bin(), sc, one, bin(), sc, two, bin(), sc,
             s1, bin(), sc, s2, bin(), m, s2, s1);
    CHECK(sh(cmd, err, sizeof err) == 0, "cohort runs: %s", err);
    CHECK(same(one, two, err, sizeof err) == 0, "a cohort: 2 threads give the bytes of 1: %s", err);
    CHECK(same(one, m, err, sizeof err) == 0, "a cohort: merged shards give the bytes: %s", err);
}

static void test_merge_refuses(void)
{
    char cmd[8192], err[8192];
    /* a missing shard */
    snprintf(cmd, sizeof cmd, "%s merge %s/scale_bad %s/scale_s3_1 %s/scale_s3_2", bin(), tmpdir(),
             tmpdir(), tmpdir());
    CHECK(sh(cmd, err, sizeof err) == 1 && strstr(err, "shard 1 of 3, but 2 shard folders"),
          "too few shards: %s", err);
    snprintf(cmd, sizeof cmd, "%s merge %s/scale_bad %s/scale_s3_1 %s/scale_s3_1 %s/scale_s3_2",
             bin(), tmpdir(), tmpdir(), tmpdir(), tmpdir());
    CHECK(sh(cmd, err, sizeof err) == 1 && strstr(err, "missing or given twice"),
          "a repeated shard: %s", err);
    /* shards of two runs */
    snprintf(cmd, sizeof cmd,
             "%s merge %s/scale_bad %s/scale_s2_1 %s/scale_gz_unused 2>/dev/null; "
             "%s merge %s/scale_bad %s/scale_s3_1 %s/scale_s3_2 %s/scale_s2_2",
             bin(), tmpdir(), tmpdir(), tmpdir(), bin(), tmpdir(), tmpdir(), tmpdir(), tmpdir());
    CHECK(sh(cmd, err, sizeof err) == 1, "shards of different splits are refused: %s", err);
    /* a folder that is not a shard */
    snprintf(cmd, sizeof cmd, "%s merge %s/scale_bad %s/scale_t1", bin(), tmpdir(), tmpdir());
    CHECK(sh(cmd, err, sizeof err) == 1 && strstr(err, "not a finished shard"), "not a shard: %s",
          err);
    /* a bad --shard */
    snprintf(cmd, sizeof cmd, "%s run -q -p 5 --shard 3/2 -o %s/scale_bad", bin(), tmpdir());
    CHECK(sh(cmd, err, sizeof err) == 2 && strstr(err, "--shard: '3/2' is not K/N"),
          "--shard 3/2: %s", err);
}

TEST_MAIN(T(test_threads), T(test_shards), T(test_cohort), T(test_merge_refuses))
