// std::filesystem: directories, files, iteration (sorted), sizes, copy, rename, remove_all
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

int main() {
    fs::create_directories("root/a/b");
    fs::create_directory("root/c");
    for (auto name : {"root/x.txt", "root/a/y.txt", "root/a/b/z.txt"}) {
        std::ofstream(name) << name << "\n";
    }
    std::vector<std::string> seen;
    for (auto &e : fs::recursive_directory_iterator("root"))
        seen.push_back(e.path().generic_string() + (e.is_directory() ? "/" : ""));
    std::sort(seen.begin(), seen.end());
    for (auto &s : seen) std::printf("%s\n", s.c_str());
    std::printf("size=%ju exists=%d is_dir=%d\n", (uintmax_t)fs::file_size("root/a/y.txt"),
                fs::exists("root/x.txt"), fs::is_directory("root/a"));
    fs::copy_file("root/x.txt", "root/c/copy.txt");
    fs::rename("root/a/y.txt", "root/c/moved.txt");
    std::printf("copied=%d moved=%d gone=%d\n", fs::exists("root/c/copy.txt"), fs::exists("root/c/moved.txt"),
                !fs::exists("root/a/y.txt"));
    fs::path p = "root/a/b/z.txt";
    std::printf("filename=%s stem=%s ext=%s parent=%s\n", p.filename().c_str(), p.stem().c_str(),
                p.extension().c_str(), p.parent_path().c_str());
    std::error_code ec;
    fs::file_size("root/none", ec);
    std::printf("missing error set=%d\n", (bool)ec);
    try { fs::file_size("root/none"); } catch (const fs::filesystem_error &e) { std::printf("filesystem_error thrown\n"); }
    std::printf("removed=%ju\n", (uintmax_t)fs::remove_all("root"));
    return 0;
}
