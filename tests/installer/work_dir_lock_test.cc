#include "installer/work_dir_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

namespace dci {
namespace {

std::string temp_work_dir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("dcinstall-lock-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(WorkDirLockTest, ASecondRunOnTheSameWorkDirIsRefusedWithTheHoldersPid) {
  const std::string dir = temp_work_dir();
  {
    auto first = WorkDirLock::acquire(dir);
    ASSERT_TRUE(first) << first.error().to_string();
    auto second = WorkDirLock::acquire(dir);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().to_string(),
              "another dcinstall run is using the work dir " + dir + " (pid " +
                  std::to_string(::getpid()) + "): wait for it to end, or stop it, then run again");
  }
  // Released with its holder: the next run takes it.
  auto again = WorkDirLock::acquire(dir);
  EXPECT_TRUE(again) << again.error().to_string();
  std::filesystem::remove_all(dir);
}

TEST(WorkDirLockTest, TheHolderIsTheRunningRunsPidAndNoneOnceItEnds) {
  const std::string dir = temp_work_dir() + "-holder";
  std::filesystem::create_directories(dir);
  EXPECT_EQ(WorkDirLock::holder(dir), std::nullopt);  // no run ever took it
  {
    auto held = WorkDirLock::acquire(dir);
    ASSERT_TRUE(held) << held.error().to_string();
    EXPECT_EQ(WorkDirLock::holder(dir), std::to_string(::getpid()));
  }
  EXPECT_EQ(WorkDirLock::holder(dir), std::nullopt);  // the pid stays in the file, the lock not
  auto next = WorkDirLock::acquire(dir);              // and the probe left nothing held
  EXPECT_TRUE(next) << next.error().to_string();
  std::filesystem::remove_all(dir);
}

TEST(WorkDirLockTest, AMovedLockIsStillHeldAndReleasedOnce) {
  const std::string dir = temp_work_dir() + "-moved";
  std::filesystem::create_directories(dir);
  std::optional<WorkDirLock> held;
  {
    auto taken = WorkDirLock::acquire(dir);
    ASSERT_TRUE(taken);
    held.emplace(std::move(*taken));
  }
  EXPECT_FALSE(WorkDirLock::acquire(dir));
  held.reset();
  EXPECT_TRUE(WorkDirLock::acquire(dir));
  std::filesystem::remove_all(dir);
}

TEST(WorkDirLockTest, AWorkDirThatDoesNotExistIsAnErrorNamingTheFile) {
  auto lock = WorkDirLock::acquire("/nonexistent-dcinstall-dir");
  ASSERT_FALSE(lock);
  EXPECT_NE(lock.error().to_string().find("/nonexistent-dcinstall-dir/run.lock"),
            std::string::npos);
}

}  // namespace
}  // namespace dci
