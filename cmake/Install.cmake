# `cmake --install` of the library as a CMake package: headers, the per-layer static libraries and
# automodel-config.cmake, so a consumer writes
#   find_package(automodel REQUIRED)
#   target_link_libraries(app PRIVATE automodel::automodel)
# (tests/package checks exactly that against an install prefix). Projects that vendor the tree
# use add_subdirectory() and the same automodel::automodel name (an alias).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

add_library(automodel::automodel ALIAS automodel)
target_include_directories(automodel INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

# The layers are whatever src/CMakeLists.txt links into the automodel interface target.
get_target_property(automodel_layers automodel INTERFACE_LINK_LIBRARIES)
# automodel_warnings is only linked privately (compile flags), but a static library's private
# links travel with it, so it is exported too.
install(TARGETS automodel ${automodel_layers} automodel_warnings
        EXPORT automodelTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/automodel DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(automodel_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/automodel)
install(EXPORT automodelTargets NAMESPACE automodel:: DESTINATION ${automodel_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/automodel-config.cmake.in
                              ${PROJECT_BINARY_DIR}/automodel-config.cmake INSTALL_DESTINATION ${automodel_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/automodel-config-version.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/automodel-config.cmake ${PROJECT_BINARY_DIR}/automodel-config-version.cmake
        DESTINATION ${automodel_cmake_dir})
