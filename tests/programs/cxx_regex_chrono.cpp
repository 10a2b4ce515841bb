// std::regex and std::chrono arithmetic, std::function
#include <chrono>
#include <cstdio>
#include <functional>
#include <regex>
#include <string>

int main() {
    std::regex re(R"((\w+)@(\w+)\.com)");
    std::string text = "mail alice@example.com and bob@test.com now";
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
        std::printf("user=%s host=%s\n", (*it)[1].str().c_str(), (*it)[2].str().c_str());
    std::printf("replace: %s\n", std::regex_replace(text, re, "<$1>").c_str());
    std::printf("match=%d\n", std::regex_match("2024-02-29", std::regex(R"(\d{4}-\d{2}-\d{2})")));
    using namespace std::chrono;
    auto d = hours(1) + minutes(30) + seconds(15);
    std::printf("seconds=%lld minutes=%lld\n", (long long)d.count(), (long long)duration_cast<minutes>(d).count());
    auto t0 = steady_clock::now();
    auto t1 = steady_clock::now();
    std::printf("steady monotonic=%d\n", t1 >= t0);
    std::function<int(int)> fib = [&](int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); };
    std::printf("fib(20)=%d\n", fib(20));
    return 0;
}
