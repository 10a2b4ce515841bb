// iostreams: cout/cin/cerr, manipulators, stringstream, fstream
// stdin: 12 apples 3.5\nsecond line here
// files: out.txt
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

int main() {
    int n;
    std::string word;
    double d;
    std::cin >> n >> word >> d;
    std::string rest;
    std::getline(std::cin, rest);
    std::getline(std::cin, rest);
    std::cout << "read " << n << " " << word << " " << d << " / " << rest << "\n";
    std::cout << std::setw(8) << 42 << "|" << std::left << std::setw(6) << "ab" << "|" << std::right << "\n";
    std::cout << std::hex << 255 << " " << std::oct << 8 << " " << std::dec << 10 << "\n";
    std::cout << std::fixed << std::setprecision(3) << 3.14159 << " " << std::scientific << 12345.678 << "\n";
    std::cout << std::defaultfloat << 0.1 + 0.2 << " " << std::boolalpha << true << " " << std::setfill('*') << std::setw(5) << 7 << "\n";
    std::ostringstream os;
    os << "pi=" << 3.14 << " n=" << -5;
    std::cout << os.str() << "\n";
    std::istringstream is("10 20 30");
    int a, b, c;
    is >> a >> b >> c;
    std::cout << a + b + c << "\n";
    {
        std::ofstream out("out.txt");
        out << "line1\n" << 42 << "\n";
    }
    std::ifstream in("out.txt");
    std::string l1;
    int v;
    in >> l1 >> v;
    std::cout << "file: " << l1 << " " << v << " good=" << in.good() << "\n";
    std::ifstream missing("does-not-exist");
    std::cout << "missing is_open=" << missing.is_open() << "\n";
    std::cerr << "to cerr" << std::endl;
    std::cout << std::flush;
    return 0;
}
