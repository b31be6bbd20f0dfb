#if canImport(Glibc)
import Glibc
#endif
import Fabric

/// A small command-line parser: `--flag value` pairs, repeated flags, boolean switches, and
/// positional arguments. Errors print one line and the command's usage, then exit 2.
struct Arguments {
    private(set) var values: [String: [String]] = [:]
    private(set) var switches: Set<String> = []
    private(set) var positional: [String] = []

    /// Parses `arguments` for a command that takes the flags in `valued` (each followed by a
    /// value) and `booleans` (alone); `--help` prints `usage` and exits 0.
    init(_ arguments: ArraySlice<String>, valued: Set<String>, booleans: Set<String> = [], usage: String) {
        var rest = arguments
        while let argument = rest.popFirst() {
            if argument == "--help" || argument == "-h" {
                print(usage)
                exit(0)
            }
            if argument.hasPrefix("--") {
                if booleans.contains(argument) {
                    switches.insert(argument)
                } else if valued.contains(argument) {
                    guard let value = rest.popFirst() else { Self.fail("\(argument) needs a value", usage: usage) }
                    values[argument, default: []].append(value)
                } else {
                    Self.fail("unknown flag \(argument)", usage: usage)
                }
            } else {
                positional.append(argument)
            }
        }
    }

    func value(_ flag: String) -> String? { values[flag]?.last }
    func all(_ flag: String) -> [String] { values[flag] ?? [] }
    func has(_ flag: String) -> Bool { switches.contains(flag) }

    func integer(_ flag: String, default fallback: Int, usage: String, range: ClosedRange<Int>) -> Int {
        guard let text = value(flag) else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            Self.fail("\(flag) must be a whole number in \(range.lowerBound)...\(range.upperBound)", usage: usage)
        }
        return number
    }

    func number(_ flag: String, default fallback: Double, usage: String) -> Double {
        guard let text = value(flag) else { return fallback }
        guard let number = Double(text), number > 0, number < 86_400 else {
            Self.fail("\(flag) must be a positive number of seconds", usage: usage)
        }
        return number
    }

    func address(_ flag: String, usage: String) -> NodeAddress? {
        guard let text = value(flag) else { return nil }
        return Self.parseAddress(text, flag: flag, usage: usage)
    }

    func addresses(_ flag: String, usage: String) -> [NodeAddress] {
        all(flag).map { Self.parseAddress($0, flag: flag, usage: usage) }
    }

    /// `text` as an address, or the usage and the reason it is not one (exits).
    static func parseAddress(_ text: String, flag: String, usage: String) -> NodeAddress {
        do {
            return try NodeAddress(parsing: text)
        } catch {
            Self.fail("\(flag): \(error.message)", usage: usage)
        }
    }

    func nodeName(_ flag: String, usage: String) -> NodeId? {
        guard let text = value(flag) else { return nil }
        do {
            return try NodeId(text)
        } catch {
            Self.fail("\(flag): \(error.message)", usage: usage)
        }
    }

    static func fail(_ message: String, usage: String) -> Never {
        printError("fabric: \(message)")
        printError(usage)
        exit(2)
    }
}

/// Writes a line to stderr.
func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Writes a line to stdout right away (stdout may be a file or a pipe the test kit reads).
func printLine(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(1, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
