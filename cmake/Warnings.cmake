# automodel_warnings: the warning set every project target compiles with.
add_library(automodel_warnings INTERFACE)
target_compile_options(automodel_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter)
