/// A part of the output that needs a header once its size is known: a container (count and
/// body length), a keyed entry's value (value code), or both.
///
/// Content is appended to one byte buffer as it comes; nodes remember where theirs went, and
/// `finish()` inserts every header in one pass at the end. Nothing is ever moved while values
/// are being encoded, so positions stay valid and nothing has to be reserved or patched.
struct BinaryEncodingNode {
    /// What header the node gets.
    enum Role: UInt8 {
        /// None of its own (a keyed entry's value before anyone asked for a container, or the top level).
        case region
        /// A keyed container.
        case keyed
        /// An unkeyed container.
        case unkeyed
    }

    /// Where the node's content starts in the buffer.
    var start: Int
    /// Where it ends; valid once closed.
    var end = -1
    /// The enclosing node (-1 for the top level).
    var parent: Int
    var role: Role
    /// The value of a keyed entry: the node is preceded by its value code.
    var isEntryValue: Bool
    /// A keyed entry's value that turned out to be nil (value code 0, no content).
    var isNilValue = false
    /// Still receiving content in the in-order mode (see `BinaryEncodingStorage.isReordered`).
    var isOpen = true
    /// Entries or elements so far.
    var count = 0
    /// Unkeyed: elements before the first nil; -1 while there has been none.
    var leadingUntagged = -1
    /// Content bytes including the headers of nested nodes; filled in by `finish()`.
    var contentSize = 0
    /// Header bytes; filled in by `finish()`.
    var headerSize = 0
    /// An entry value's value code; filled in by `finish()`.
    var valueCode: UInt64 = 0
    /// Reordered mode: the first and last of the node's pieces (-1 for none).
    var firstPiece = -1
    var lastPiece = -1
}

/// A stretch of a node's content in reordered mode: raw bytes, or a nested node.
struct BinaryEncodingPiece {
    /// The bytes, when `child` is -1.
    var start: Int
    var end: Int
    /// The nested node this piece stands for, or -1.
    var child: Int
    /// The next piece of the same node, or -1.
    var next = -1
}

/// Whether a slot has been given a value yet.
enum BinaryEncodingPresence: UInt8 {
    /// Nothing yet: the slot's own nil is still available.
    case undecided
    /// A value (or an optional level that spent the slot's nil) is there.
    case value
    /// The slot holds nil.
    case nilValue
}

/// The place of one value, or a nested container, during encoding: what `Encoder` and the
/// containers refer to. Frames form a stack; a frame lives until the `encode(to:)` call that
/// created it returns.
struct BinaryEncodingFrame {
    /// What kind of place this is.
    enum Kind: UInt8 {
        /// The whole output.
        case topLevel
        /// The value of a keyed entry.
        case entry
        /// An element of an unkeyed container.
        case element
        /// A nested container (only for its coding path).
        case container
    }

    var parent: Int
    /// Tells a reused index apart from the frame a container was made for.
    var serial: UInt32
    var component: BinaryPathComponent
    var kind: Kind
    /// The node a single value goes into.
    var target: Int
    /// The node a container request made for this slot, or -1.
    var container = -1
    var presence: BinaryEncodingPresence
    var hasSingleValue = false
    /// An element in a container that has had nils: where its presence byte is, or -1.
    var elementTagPosition = -1
    /// An element: its index in its container, or -1.
    var elementIndex = -1
    /// Nesting depth, checked against `Limits.codingDepthMax`.
    var depth: Int
}
