/// What a slot says about nil while decoding.
enum BinaryDecodingPresence: UInt8 {
    /// The slot holds a value, and its own nil has not been spent by an optional level.
    case value
    /// The slot holds nil.
    case nilValue
    /// An outer optional level spent the slot's nil: deeper levels read presence bytes.
    case spent
}

/// A container's header as read from the input.
struct BinaryContainerHeader {
    var isKeyed: Bool
    /// Entries or elements.
    var count: Int
    /// Unkeyed: elements before the first that has a presence byte (`count` if none has).
    var leadingUntagged: Int
    var bodyStart: Int
    var bodyEnd: Int
}

/// The place of one value, or a nested container, during decoding. Frames form a stack; a
/// frame lives until the `init(from:)` call that created it returns.
struct BinaryDecodingFrame {
    /// What kind of place this is.
    enum Kind: UInt8 {
        /// The whole input.
        case topLevel
        /// The value of a keyed entry: `valueStart..<end` exactly.
        case entry
        /// An element of an unkeyed container: starts at `valueStart`, bounded by `end` (the
        /// container's end); where it ends is found by reading it.
        case element
        /// A nested container (only for its coding path and lookup position).
        case container
    }

    var parent: Int
    /// Tells a reused index apart from the frame a container was made for.
    var serial: UInt32
    var component: BinaryPathComponent
    var kind: Kind
    /// Where the value starts (after presence bytes already read).
    var valueStart: Int
    /// Nothing of this slot lies at or past this position.
    var end: Int
    var presence: BinaryDecodingPresence
    /// The end of what has been read through this slot.
    var consumedEnd: Int
    /// The container read at `valueStart`, once someone asked for it.
    var header: BinaryContainerHeader?
    /// Keyed lookups start where the last one ended, so keys read in encoding order are found
    /// at once: the position and index of the next entry.
    var nextEntryPosition = 0
    var nextEntryIndex = 0
    /// Nesting depth, checked against `Limits.codingDepthMax`.
    var depth: Int
}
