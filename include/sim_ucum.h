/* sim_ucum.h — checks that a unit is valid UCUM (the Unified Code for Units of Measure), the
 * units FHIR and LOINC expect: "mm[Hg]", "kg/m2", "10*3/uL", "/min", "{score}", "mL/min/{1.73_m2}".
 *
 * The check follows UCUM's grammar (terms joined by '.' and '/', an optional prefix, an atom,
 * an optional exponent, curly-brace annotations) over a table of the atoms clinical data uses.
 */
#ifndef SIM_UCUM_H
#define SIM_UCUM_H

#include <stddef.h>

/* 1 when `unit` is valid UCUM. Otherwise 0, and when a common mistake is recognised, the UCUM
 * spelling is written to hint (e.g. "mmHg" -> "mm[Hg]"). */
int sim_ucum_valid(const char *unit, char *hint, size_t hintsz);

#endif
