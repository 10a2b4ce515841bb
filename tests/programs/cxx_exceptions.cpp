// exceptions through several frames, rethrow, nested, catch(...), std exception types,
// exception_ptr, function pointers; RTTI: typeid, dynamic_cast, bad_cast
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

struct Base { virtual ~Base() = default; virtual const char *who() const { return "Base"; } };
struct Left : virtual Base { const char *who() const override { return "Left"; } };
struct Right : virtual Base { int r = 5; };
struct Diamond : Left, Right {};
struct MyError : std::runtime_error { int code; MyError(int c) : std::runtime_error("mine"), code(c) {} };

static int destroyed;
struct Guard { ~Guard() { destroyed++; } };

static void level3(int n) { Guard g; if (n > 2) throw MyError(n); }
static void level2(int n) { Guard g; level3(n + 1); }
static void level1(int n) { Guard g; level2(n + 1); }
static void thrower() { throw std::out_of_range("range"); }

int main() {
    try { level1(1); } catch (const MyError &e) { std::printf("caught MyError code=%d what=%s destroyed=%d\n", e.code, e.what(), destroyed); }
    try {
        try { throw std::logic_error("inner"); }
        catch (std::exception &) { std::printf("rethrowing\n"); throw; }
    } catch (const std::logic_error &e) { std::printf("outer caught %s\n", e.what()); }
    try { throw 42; } catch (...) { std::printf("catch-all\n"); }
    void (*fp)() = thrower;
    try { fp(); } catch (const std::out_of_range &e) { std::printf("via pointer: %s\n", e.what()); }
    std::exception_ptr ep;
    try { throw std::invalid_argument("stored"); } catch (...) { ep = std::current_exception(); }
    try { std::rethrow_exception(ep); } catch (const std::invalid_argument &e) { std::printf("rethrown: %s\n", e.what()); }
    try { std::vector<int> v; v.at(3); } catch (const std::out_of_range &) { std::printf("vector::at threw\n"); }
    try { throw std::string("a string"); } catch (const std::string &s) { std::printf("string: %s\n", s.c_str()); }
    try {
        try { throw std::runtime_error("first"); }
        catch (...) { std::throw_with_nested(std::logic_error("second")); }
    } catch (const std::logic_error &e) {
        std::printf("nested outer: %s\n", e.what());
        try { std::rethrow_if_nested(e); } catch (const std::runtime_error &in) { std::printf("nested inner: %s\n", in.what()); }
    }
    Diamond dm;
    Base *b = &dm;
    std::printf("who=%s typeid=%s\n", b->who(), typeid(*b).name());
    Right *r = dynamic_cast<Right *>(b);
    Left *l = dynamic_cast<Left *>(r);
    std::printf("cross cast ok=%d r=%d left=%s\n", r != nullptr, r ? r->r : -1, l ? l->who() : "null");
    Base plain;
    std::printf("failed cast null=%d\n", dynamic_cast<Left *>(&plain) == nullptr);
    try { (void)dynamic_cast<Left &>(plain); } catch (const std::bad_cast &e) { std::printf("bad_cast caught\n"); }
    std::printf("typeid int=%s same=%d\n", typeid(int).name(), typeid(dm) == typeid(Diamond));
    return 0;
}
