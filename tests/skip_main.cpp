// SPDX-License-Identifier: MIT
// main() of the test programs ctest runs whole (the data tests): GoogleTest's, but a run in
// which a test skipped and none failed exits 77, which ctest (SKIP_RETURN_CODE) lists among the
// tests that did not run instead of counting the program as passed. A failure still fails it.
#include <gtest/gtest.h>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    const int failed = RUN_ALL_TESTS();
    if (failed == 0 && ::testing::UnitTest::GetInstance()->skipped_test_count() > 0) return 77;
    return failed;
}
