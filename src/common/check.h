// SEXTANT_DCHECK: invariants that "cannot happen". On in debug and sanitizer
// builds (NDEBUG unset), compiled out in Release. User input never reaches a
// DCHECK: it gets a Status.
#pragma once

#include <cstdio>
#include <cstdlib>

#ifdef NDEBUG
#define SEXTANT_DCHECK(cond, msg) ((void)0)
#else
#define SEXTANT_DCHECK(cond, msg)                                                      \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: DCHECK failed: %s: %s\n", __FILE__, __LINE__, #cond, \
                   msg);                                                               \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)
#endif
