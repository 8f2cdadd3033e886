/* The one vector walker of the C tests. A vector set is a folder of case
 * folders under $FK_SHARED/vectors/<set>/ (README.md and other files beside
 * them are not cases). A vector test's main() is
 *
 *     static const char *const sets[] = {"otadata", NULL};
 *     int main(int argc, char **argv)
 *     {
 *         int n = fk_vec_main(argc, argv, sets, run_case);
 *         CHECK(n > 0);
 *         return fk_test_done("test_otadata_vectors");
 *     }
 *
 * Without an argument it runs every case of every set, in name order; with
 * "<set>/<case>" it runs that one case. tests/CMakeLists.txt lists the case
 * folders at configure time and registers one ctest per case, named
 * vec_<set>/<case>, that passes the case as argument - so a failing case is
 * rerun alone with `ctest -R 'vec_otadata/a_erased_b_seq1_n3$'` or by
 * running the binary with the case name. */
#ifndef FK_VECTORS_H
#define FK_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *set;  /* "otadata" */
    const char *name; /* the case folder's name */
    const char *dir;  /* its path */
} fk_vec_case_t;

/* Checks one case; returns how many things it checked there (> 0), or 0 when
 * nothing of this test applies to the case (e.g. an error case that only the
 * CLI test reads). Failures are CHECKs in the test's own file. */
typedef int (*fk_vec_fn)(const fk_vec_case_t *vc);

/* Runs fn on the case named by argv[1] ("<set>/<case>"), or on every case of
 * the NULL-terminated sets when there is no argument. Returns the number of
 * cases where fn checked something; -1 (with a message) when a set folder or
 * the named case is missing or the argument is not one of the sets. A named
 * case where fn checks nothing returns 0 and says so. */
int fk_vec_main(int argc, char **argv, const char *const *sets, fk_vec_fn fn);

/* True when fk_vec_main was asked for one case: aggregate checks ("at least
 * 40 images in the set") only mean something over the whole set. */
bool fk_vec_one_case(int argc);

/* $FK_SHARED/vectors/<set>, or ../shared/vectors/<set> without FK_SHARED. */
void fk_vec_set_dir(const char *set, char *out, size_t size);

/* Whole file into a malloc'd buffer with a NUL after the data (so text files
 * are C strings); 0, or -1 with errno set. */
int fk_vec_read_file(const char *path, uint8_t **buf, size_t *len);

/* A file of the case: malloc'd and NUL-terminated, NULL when absent. */
char *fk_vec_file(const fk_vec_case_t *vc, const char *file, size_t *len);
bool fk_vec_has(const fk_vec_case_t *vc, const char *file);

/* Value of a "key=value" line of text (the vectors' input.txt and
 * expected.txt), copied into out; "" when the key is absent. */
const char *fk_vec_kv(const char *text, const char *key, char *out, size_t size);

#endif
