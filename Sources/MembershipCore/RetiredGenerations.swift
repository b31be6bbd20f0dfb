import FabricCore

/// Generations known to be finished (replaced by a newer process, downed, left, removed), so
/// that late gossip about them is ignored instead of bringing them back. Bounded by
/// `Limits.retiredGenerationsMax`, oldest forgotten first.
struct RetiredGenerations: Sendable {
    private struct Key: Hashable, Sendable {
        var node: NodeId
        var generation: UInt64
    }

    private var keys: Set<Key> = []
    private var order: [Key] = []
    private var head = 0

    var count: Int { keys.count }

    func contains(_ node: NodeId, generation: UInt64) -> Bool {
        keys.contains(Key(node: node, generation: generation))
    }

    mutating func insert(_ node: NodeId, generation: UInt64) {
        let key = Key(node: node, generation: generation)
        guard keys.insert(key).inserted else { return }
        order.append(key)
        if keys.count > Limits.retiredGenerationsMax {
            keys.remove(order[head])
            head += 1
            if head > 1024, head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }
}
