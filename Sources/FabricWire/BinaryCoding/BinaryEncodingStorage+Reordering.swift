/// Reordered mode: when a container is written to after a later sibling has started, its
/// content is no longer contiguous, so from then on every node keeps a list of pieces (raw
/// byte ranges and nested nodes, in output order) and `finish()` gathers them.
extension BinaryEncodingStorage {
    /// Switches to piece lists, deriving them from the contiguous layout built so far.
    mutating func startReordering() {
        precondition(!isReordered, "already reordered")
        var open = currentNode
        while open >= 0 {
            nodes[open].end = bytes.count
            nodes[open].isOpen = false
            open = nodes[open].parent
        }
        // Nodes were created in output order, so a parent's children come in the right order
        // and the raw content between them is what lies outside them.
        var consumed = nodes.map(\.start)
        for child in nodes.indices.dropFirst() {
            let parent = nodes[child].parent
            if consumed[parent] < nodes[child].start {
                appendPiece(BinaryEncodingPiece(start: consumed[parent], end: nodes[child].start, child: -1), to: parent)
            }
            appendPiece(BinaryEncodingPiece(start: 0, end: 0, child: child), to: parent)
            consumed[parent] = nodes[child].end
        }
        for node in nodes.indices where consumed[node] < nodes[node].end {
            appendPiece(BinaryEncodingPiece(start: consumed[node], end: nodes[node].end, child: -1), to: node)
        }
        isReordered = true
    }

    /// Ends the current node's open piece of raw bytes.
    mutating func closeOpenPiece() {
        guard bytes.count > openPieceStart else { return }
        let node = currentNode
        let last = nodes[node].lastPiece
        if last >= 0, pieces[last].child < 0, pieces[last].end == openPieceStart {
            pieces[last].end = bytes.count
        } else {
            appendPiece(BinaryEncodingPiece(start: openPieceStart, end: bytes.count, child: -1), to: node)
        }
        openPieceStart = bytes.count
    }

    /// Adds `piece` at the end of `node`'s list.
    mutating func appendPiece(_ piece: BinaryEncodingPiece, to node: Int) {
        let index = pieces.count
        pieces.append(piece)
        let last = nodes[node].lastPiece
        if last >= 0 {
            pieces[last].next = index
        } else {
            nodes[node].firstPiece = index
        }
        nodes[node].lastPiece = index
    }
}
