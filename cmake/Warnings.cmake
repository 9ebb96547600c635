# automodel_warnings: the warning set every project target compiles with.
add_library(automodel_warnings INTERFACE)
target_compile_options(automodel_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter)
# GCC 12's -Wrestrict misfires on std::string concatenation inlined at -O2/-O3 ("memcpy ...
# may overlap up to 9223372036854775813 bytes", GCC bug 105329), about 20 times in a release
# build with nothing wrong in our code; the warning stays on for other compilers.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(automodel_warnings INTERFACE -Wno-restrict)
endif()
