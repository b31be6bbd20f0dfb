/// Why the write-ahead log or the snapshot store could not do what was asked.
///
/// A struct wrapping a code, like `FabricError` (DESIGN.md §9): `code` says what kind of
/// failure it was, `message` says what happened, naming the file.
package struct StorageError: Error, Hashable, CustomStringConvertible {
    /// Kinds of storage failure.
    package enum Code: Hashable, Sendable {
        /// A system call failed (the message carries `errno`'s text).
        case io
        /// Data on disk is damaged somewhere a torn write cannot explain (not the tail of the
        /// last segment): recovery refuses to guess.
        case corrupt
        /// A record, a snapshot or the number of segments is past its limit in `Limits`.
        case limit
        /// The log was used after `close()` or after a failed `sync()` (whose outcome on disk
        /// is unknown: fsync errors are not retried, they are reported).
        case closed
    }

    /// What kind of failure.
    package let code: Code
    /// What happened.
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and the message.
    package var description: String { "\(code): \(message)" }
}
