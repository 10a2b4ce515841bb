// STL containers and algorithms
#include <algorithm>
#include <cstdio>
#include <deque>
#include <list>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

int main() {
    std::vector<int> v{5, 3, 9, 1, 7, 3, 8};
    std::sort(v.begin(), v.end());
    for (int x : v) std::printf("%d ", x);
    std::printf("\nunique: %ld\n", (long)(std::unique(v.begin(), v.end()) - v.begin()));
    std::vector<std::pair<int, std::string>> ps{{2, "b"}, {1, "z"}, {2, "a"}, {1, "y"}};
    std::stable_sort(ps.begin(), ps.end(), [](auto &a, auto &b) { return a.first < b.first; });
    for (auto &p : ps) std::printf("%d%s ", p.first, p.second.c_str());
    std::printf("\n");
    std::map<std::string, int> m{{"one", 1}, {"two", 2}, {"three", 3}};
    m["four"] = 4;
    for (auto &[k, val] : m) std::printf("%s=%d ", k.c_str(), val);
    std::printf("\n");
    std::unordered_map<int, int> um;
    for (int i = 0; i < 1000; i++) um[i % 37] += i;
    std::vector<std::pair<int, int>> flat(um.begin(), um.end());
    std::sort(flat.begin(), flat.end());
    long total = 0;
    for (auto &p : flat) total += p.first * p.second;
    std::printf("unordered buckets=%zu weighted=%ld\n", flat.size(), total);
    std::set<std::string> s{"pear", "apple", "fig"};
    s.insert("banana");
    for (auto &x : s) std::printf("%s ", x.c_str());
    std::printf("\n");
    std::deque<int> d;
    for (int i = 0; i < 5; i++) { d.push_front(i); d.push_back(i * 10); }
    std::printf("deque front=%d back=%d size=%zu\n", d.front(), d.back(), d.size());
    std::list<int> l{4, 2, 3};
    l.sort();
    l.reverse();
    for (int x : l) std::printf("%d ", x);
    std::string str = "Hello, World";
    std::transform(str.begin(), str.end(), str.begin(), ::toupper);
    std::printf("\n%s find=%zu substr=%s\n", str.c_str(), str.find("WORLD"), str.substr(7, 3).c_str());
    std::vector<int> r(10);
    std::iota(r.begin(), r.end(), 1);
    std::printf("accumulate=%d max=%d count_if=%ld\n", std::accumulate(r.begin(), r.end(), 0),
                *std::max_element(r.begin(), r.end()),
                (long)std::count_if(r.begin(), r.end(), [](int x) { return x % 3 == 0; }));
    std::string big;
    for (int i = 0; i < 1000; i++) big += std::to_string(i);
    std::printf("big string len=%zu stoi=%d stod=%g\n", big.size(), std::stoi("-123"), std::stod("2.5e3"));
    return 0;
}
