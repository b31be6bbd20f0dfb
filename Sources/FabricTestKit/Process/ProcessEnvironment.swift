import Glibc

/// The test process's environment variables, read from `environ`.
enum ProcessEnvironment {
    /// Every variable of this process; a repeated name keeps its first value, as `getenv` does.
    static func current() -> [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "="), variables[String(text[..<equals])] == nil {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return variables
    }
}
