import FabricCore

/// The mutable state of one `BinaryEncoder.encode` call.
///
/// It lives behind a pointer held by `BinaryEncodingState`: stored properties of a class are
/// checked for exclusive access at run time on every access, which cost more than the encoding
/// itself; through a pointer (and inside `mutating` methods) the checks are static.
struct BinaryEncodingStorage {
    /// The caller's buffer (moved in, moved back out by `finish()`), content appended past `base`.
    var bytes: [UInt8]
    /// Where this value's bytes start in `bytes`.
    var base = 0
    var nodes: [BinaryEncodingNode] = []
    var frames: [BinaryEncodingFrame] = []
    /// Reordered mode only.
    var pieces: [BinaryEncodingPiece] = []
    /// The node the next content byte belongs to.
    var currentNode = 0
    /// Reordered mode: where the current node's open piece starts.
    var openPieceStart = 0
    /// Set when a container was written to after a later sibling had been started: from then on
    /// every node keeps a list of its pieces and `finish()` gathers them (rare; the normal,
    /// in-order mode keeps each node's content contiguous and needs no lists).
    var isReordered = false
    /// A failure noticed where the Codable API cannot throw (asking for a container), thrown
    /// by `finish()`.
    var deferredError: WireError?
    var nextSerial: UInt32 = 0

    init() {
        bytes = []
    }

    /// Takes over `buffer` (leaving it empty) to append to it.
    mutating func setUp(buffer: inout [UInt8]) {
        swap(&bytes, &buffer)
        base = bytes.count
        currentNode = 0
        openPieceStart = base
        nodes.append(BinaryEncodingNode(start: base, parent: -1, role: .region, isEntryValue: false))
    }

    // MARK: Where content goes

    /// Makes `node` the one the next bytes belong to.
    @inline(__always)
    mutating func moveWritePosition(to node: Int) {
        if node != currentNode { switchWritePosition(to: node) }
    }

    private mutating func switchWritePosition(to node: Int) {
        if isReordered {
            closeOpenPiece()
        } else if nodes[node].isOpen {
            // `node` encloses the current node: everything nested in between is complete.
            var closing = currentNode
            while closing != node {
                nodes[closing].end = bytes.count
                nodes[closing].isOpen = false
                closing = nodes[closing].parent
            }
        } else {
            // Writing to a container after a later sibling: switch to keeping piece lists.
            startReordering()
        }
        currentNode = node
        openPieceStart = bytes.count
    }

    /// Starts a node nested in `parent` at the current end of the output and makes it current.
    mutating func makeNode(in parent: Int, role: BinaryEncodingNode.Role, isEntryValue: Bool) -> Int {
        moveWritePosition(to: parent)
        let index = nodes.count
        if isReordered {
            closeOpenPiece()
            appendPiece(BinaryEncodingPiece(start: 0, end: 0, child: index), to: parent)
        }
        nodes.append(BinaryEncodingNode(start: bytes.count, parent: parent, role: role, isEntryValue: isEntryValue))
        currentNode = index
        openPieceStart = bytes.count
        return index
    }

    /// Whether a container asked for on a slot whose bytes go to `node` can be `node` itself:
    /// an entry value or the top level that has no content yet.
    func canBecomeContainer(_ node: Int) -> Bool {
        !isReordered && nodes[node].role == .region && node == currentNode && nodes[node].start == bytes.count
            && node == nodes.count - 1
    }

    // MARK: Frames

    /// Pushes a frame and returns its index.
    mutating func pushFrame(_ frame: BinaryEncodingFrame) throws(WireError) -> Int {
        guard frame.depth <= Limits.codingDepthMax else {
            throw WireError(.limitExceeded, "values nested deeper than \(Limits.codingDepthMax) levels")
        }
        frames.append(frame)
        return frames.count - 1
    }

    /// A new frame's serial number.
    mutating func makeSerial() -> UInt32 {
        nextSerial &+= 1
        if nextSerial == 0 { nextSerial = 1 }  // 0 marks references that are never live
        return nextSerial
    }

    /// Drops the frames from `mark` on (those of a value whose `encode(to:)` returned).
    @inline(__always)
    mutating func popFrames(to mark: Int) {
        if frames.count > mark { frames.removeSubrange(mark...) }
    }

    /// A reference to `frame` as it is now (one that is never live if there is no such frame).
    func reference(to frame: Int) -> BinaryFrameReference {
        guard frame >= 0, frame < frames.count else { return BinaryFrameReference(index: frame, serial: 0) }
        return BinaryFrameReference(index: frame, serial: frames[frame].serial)
    }

    /// Whether `reference` still names a live frame (a container or encoder used after the
    /// value it belongs to finished would otherwise write into someone else's slot).
    @inline(__always)
    func isLive(_ reference: BinaryFrameReference) -> Bool {
        reference.index >= 0 && reference.index < frames.count && frames[reference.index].serial == reference.serial
    }

    /// The coding path of `frame`.
    func codingPath(endingAt frame: Int) -> [any CodingKey] {
        BinaryCodingPath.keys(endingAt: min(frame, frames.count - 1)) { index in
            (frames[index].parent, frames[index].component)
        }
    }

    /// Remembers the first failure noticed where the API cannot throw.
    mutating func recordDeferred(_ error: WireError, at frame: Int) {
        if deferredError == nil { deferredError = error.withCodingPath( codingPath(endingAt: frame)) }
    }

    /// Where the encoding stood when it failed: the innermost frame still on the stack (frames
    /// of values that threw are not popped). Nil when the error already names its place.
    var failurePath: [any CodingKey]? {
        guard deferredError == nil, !frames.isEmpty else { return nil }
        return codingPath(endingAt: frames.count - 1)
    }
}

extension BinaryEncodingStorage: BinaryReusableStorage {
    mutating func clear(keepingCapacityUpTo limit: Int) -> Bool {
        guard bytes.isEmpty, nodes.capacity <= limit, frames.capacity <= limit, pieces.capacity <= limit else {
            return false
        }
        nodes.removeAll(keepingCapacity: true)
        frames.removeAll(keepingCapacity: true)
        pieces.removeAll(keepingCapacity: true)
        isReordered = false
        deferredError = nil
        nextSerial = 0
        return true
    }
}
