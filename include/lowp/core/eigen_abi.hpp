// lowp/core/eigen_abi.hpp: one Eigen memory layout whatever the -march flags (docs/building.md §7.2).
//
// Eigen sizes its alignment from the target ISA: 16 bytes under SSE, 32 under AVX, 64 under
// AVX-512. A dynamic matrix takes plain malloc when malloc's alignment is enough and an offset
// block otherwise, and fixed-size objects are aligned to match; so a lowp::matrix made in a file
// built with default flags and freed or read in one built with -march=native crashes ("double
// free", or a fault on an aligned load). Every lowp header that uses Eigen includes this one first:
// it fixes Eigen's maximum alignment at 64 bytes (enough for every ISA) in every file that includes
// lowp before Eigen, and refuses a file that included Eigen first with an alignment of its own.
#pragma once

#if defined(EIGEN_WORLD_VERSION)  // Eigen is already in: its alignment is settled
#if !defined(LOWP_ACCEPT_EIGEN_ALIGNMENT) && (EIGEN_MAX_ALIGN_BYTES != 64 || EIGEN_MAX_STATIC_ALIGN_BYTES != 64)
#error \
    "lowp: Eigen was included before lowp, with an alignment that depends on -march (files built with different flags could not share matrices); include lowp's headers before Eigen's, or build every file with -DEIGEN_MAX_ALIGN_BYTES=64 -DEIGEN_MAX_STATIC_ALIGN_BYTES=64 (docs/building.md)"
#endif
#else
#if !defined(EIGEN_MAX_ALIGN_BYTES)
#define EIGEN_MAX_ALIGN_BYTES 64
#endif
#if !defined(EIGEN_MAX_STATIC_ALIGN_BYTES)
#define EIGEN_MAX_STATIC_ALIGN_BYTES 64
#endif
#endif
