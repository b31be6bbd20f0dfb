import FabricCore

/// The updates waiting to be piggybacked (SWIM §4.1 infection-style dissemination).
///
/// One update per node (a newer one supersedes the queued one); the least-transmitted go
/// first, the newest first among equals (memberlist's ordering), and each goes out at most the
/// retransmit limit's times. Kept as buckets by transmit count, each in insertion order, so
/// that taking m updates costs O(m) plus the superseded slots skipped, never O(queue).
struct BroadcastQueue: Sendable {
    private struct Queued: Sendable {
        var update: MemberUpdate
        var transmits: Int
        var serial: UInt64
    }

    private struct Slot: Sendable {
        var node: NodeId
        var serial: UInt64
    }

    private var live: [NodeId: Queued] = [:]
    private var buckets: [[Slot]] = [[]]
    private var slotCount = 0
    private var nextSerial: UInt64 = 0

    /// Updates waiting.
    var count: Int { live.count }
    /// Whether nothing waits.
    var isEmpty: Bool { live.isEmpty }

    /// Queues `update`, replacing a queued update about the same node (which counts as never sent).
    mutating func enqueue(_ update: MemberUpdate) {
        nextSerial &+= 1
        live[update.member.node] = Queued(update: update, transmits: 0, serial: nextSerial)
        buckets[0].append(Slot(node: update.member.node, serial: nextSerial))
        slotCount += 1
        if slotCount > 2 * live.count + 64 { compact() }
    }

    /// Forgets the queued update about `node`.
    mutating func remove(_ node: NodeId) { live[node] = nil }

    /// The queued update about `node`, if any.
    func queued(about node: NodeId) -> MemberUpdate? { live[node]?.update }

    /// Takes up to `countMax` updates within `bytesMax` (estimated), counting one transmission
    /// each; an update sent `limit` times leaves the queue.
    mutating func take(countMax: Int, bytesMax: Int, limit: Int) -> [MemberUpdate] {
        guard !live.isEmpty, countMax > 0 else { return [] }
        var picked: [MemberUpdate] = []
        var moved: [(slot: Slot, transmits: Int)] = []
        var bytes = 0
        var bucketIndex = 0
        scan: while bucketIndex < buckets.count {
            while let slot = buckets[bucketIndex].last {
                guard let queued = live[slot.node], queued.serial == slot.serial,
                    queued.transmits == bucketIndex
                else {
                    buckets[bucketIndex].removeLast()
                    slotCount -= 1
                    continue
                }
                let size = Self.estimatedBytes(queued.update)
                if picked.count >= countMax || bytes + size > bytesMax { break scan }
                buckets[bucketIndex].removeLast()
                slotCount -= 1
                picked.append(queued.update)
                bytes += size
                let transmits = bucketIndex + 1
                if transmits >= limit {
                    live[slot.node] = nil
                } else {
                    live[slot.node]!.transmits = transmits
                    moved.append((slot, transmits))
                }
            }
            bucketIndex += 1
        }
        // Newest were taken first; appending in reverse keeps them last (next out) in their new bucket.
        for (slot, transmits) in moved.reversed() {
            while buckets.count <= transmits { buckets.append([]) }
            buckets[transmits].append(slot)
            slotCount += 1
        }
        return picked
    }

    /// Rebuilds the buckets without superseded slots (amortised: runs when they outnumber live ones).
    private mutating func compact() {
        for index in buckets.indices {
            buckets[index].removeAll { slot in
                guard let queued = live[slot.node] else { return true }
                return queued.serial != slot.serial || queued.transmits != index
            }
        }
        slotCount = buckets.reduce(0) { $0 + $1.count }
    }

    /// The bytes an update is guessed to take on the wire (names and host, plus fixed fields).
    static func estimatedBytes(_ update: MemberUpdate) -> Int {
        32 + update.member.identity.node.name.utf8.count + update.reporter.name.utf8.count
            + update.member.identity.address.host.utf8.count
    }
}
