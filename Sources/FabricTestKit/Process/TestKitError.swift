/// Why a multi-process scenario step failed: a code to switch on and a message for people.
///
/// A struct wrapping a code rather than an enum, like every Fabric error, so codes can be added
/// without breaking anyone's exhaustive `switch` (DESIGN.md §9). Timeouts and early exits carry
/// the tail of the node's log in `message`, so a failed test explains itself without a rerun.
///
/// ```swift
/// do {
///     _ = try await cluster["a"].waitForLine(containing: "joined", timeout: .seconds(10))
/// } catch let error as TestKitError where error.code == .timeout {
///     Issue.record("\(error)")   // the message ends with the node's last log lines
/// }
/// ```
public struct TestKitError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: UInt8
        private init(_ raw: UInt8) { self.raw = raw }

        /// What the test waited for did not happen within its timeout.
        public static let timeout = Code(1)
        /// The executable could not be started (missing, not executable, spawn failed).
        public static let spawnFailed = Code(2)
        /// The node exited while the test was waiting for it to say something.
        public static let exited = Code(3)
        /// The node was asked about its output or exit before it was ever started.
        public static let notStarted = Code(4)
        /// The operating system refused something the harness needs (a socket, a file).
        public static let system = Code(5)

        /// The code's name, as written in test output.
        public var description: String {
            switch raw {
            case 1: "timeout"
            case 2: "spawnFailed"
            case 3: "exited"
            case 4: "notStarted"
            case 5: "system"
            default: "code\(raw)"
            }
        }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What happened, with the relevant node's log tail for timeouts and early exits.
    public let message: String

    /// Makes an error; the harness is its only author, tests read it.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// "code: message", what a failed test prints.
    public var description: String { "\(code): \(message)" }
}
