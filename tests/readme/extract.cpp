// tests/readme/extract.cpp: turns every ```cpp block of a Markdown file into a function of one C++
// file, so that the build compiles (and the tests run) the README's snippets exactly as written.
//
//   extract README.md snippets.cpp
//
// A block may be preceded by a line `<!-- prelude: declarations -->` (hidden when the Markdown is
// rendered): those declarations open the block's function, giving the snippet the variables it
// uses (a weight matrix W, ...). A block preceded by `<!-- not compiled -->` is skipped (a CMake
// fragment, say). Each snippet becomes `void snippet_N()`, and main() runs them all in order. The
// variables a snippet declares only to show a value (`float f = float(a);`) are consumed with
// `(void)f;` after it, so the file builds with every warning on.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

/// The names a snippet declares: in each statement, "Type name =", "Type name(" or "Type name{"
/// (Type possibly qualified and templated; not `using`, `return`, ...).
std::vector<std::string> declared(const std::string& code) {
  static const std::regex decl(R"(^\s*(?:const\s+)?([A-Za-z_][\w:]*(?:<.*>)?)\s+([A-Za-z_]\w*)\s*(?:=|\(|\{))");
  static const std::set<std::string> not_types = {"using", "return", "namespace", "typedef", "else", "case"};
  std::vector<std::string> names;
  std::set<std::string> seen;
  std::string text, statement;
  std::istringstream lines(code);
  for (std::string line; std::getline(lines, line);)  // comments dropped: they may hold ';' or '<'
    text += line.substr(0, line.find("//")) + " ";
  int depth = 0;
  for (char c : text) {  // split at ';' outside parentheses, braces and template brackets
    if (c == '(' || c == '{' || c == '<') ++depth;
    if (c == ')' || c == '}' || c == '>') --depth;
    if (c == ';' && depth <= 0) {
      std::smatch m;
      if (std::regex_search(statement, m, decl) && !not_types.count(m[1].str()) && seen.insert(m[2].str()).second)
        names.push_back(m[2].str());
      statement.clear();
      depth = 0;
    } else {
      statement += c;
    }
  }
  return names;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: extract <markdown> <output.cpp>\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "extract: cannot read " << argv[1] << "\n";
    return 2;
  }
  struct snippet {
    int line;
    std::string prelude, code;
  };
  std::vector<snippet> snippets;
  std::string line, prelude, previous;
  bool inside = false, skip = false;
  int number = 0, start = 0;
  snippet current;
  while (std::getline(in, line)) {
    ++number;
    if (!inside) {
      if (line.rfind("```cpp", 0) == 0) {
        inside = true;
        skip = previous == "<!-- not compiled -->";
        current = {number, prelude, {}};
        start = number;
      } else if (!line.empty()) {
        const std::string tag = "<!-- prelude: ";
        if (line.rfind(tag, 0) == 0 && line.size() >= tag.size() + 4 && line.compare(line.size() - 4, 4, " -->") == 0)
          prelude = line.substr(tag.size(), line.size() - tag.size() - 4);
        else
          prelude.clear();
        previous = line;
      }
    } else if (line.rfind("```", 0) == 0) {
      inside = false;
      if (!skip) snippets.push_back(current);
      prelude.clear();
      previous.clear();
    } else {
      current.code += line + "\n";
    }
  }
  if (inside) {
    std::cerr << argv[1] << ":" << start << ": a ```cpp block is not closed\n";
    return 1;
  }
  std::ostringstream out;
  out << "// Generated from " << argv[1] << " by tests/readme/extract.cpp: do not edit.\n"
      << "#include <lowp/eigen/tensor.hpp>\n#include <lowp/io.hpp>\n#include <lowp/lowp.hpp>\n\n"
      << "#include <Eigen/Dense>\n#include <cstdint>\n#include <cstdio>\n#include <span>\n#include <vector>\n\n"
      << "namespace readme {\n";
  for (std::size_t i = 0; i < snippets.size(); ++i) {
    out << "\n// README.md, line " << snippets[i].line << "\nvoid snippet_" << i + 1 << "() {\n";
    if (!snippets[i].prelude.empty()) out << "  " << snippets[i].prelude << "\n";
    out << "#line " << snippets[i].line + 1 << " \"README.md\"\n" << snippets[i].code;
    for (const std::string& name : declared(snippets[i].code)) out << "  (void)" << name << ";\n";
    out << "}\n";
  }
  out << "\n}  // namespace readme\n\nint main() {\n";
  for (std::size_t i = 0; i < snippets.size(); ++i) out << "  readme::snippet_" << i + 1 << "();\n";
  out << "  std::printf(\"" << snippets.size() << " README snippets ran\\n\");\n}\n";
  std::ofstream file(argv[2]);
  file << out.str();
  return file ? 0 : 1;
}
