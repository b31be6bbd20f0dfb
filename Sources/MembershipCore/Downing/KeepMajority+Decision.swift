import FabricCore

extension KeepMajority {
    /// One entry per node, sorted, this node present and reachable (the rules on `KeepMajority`).
    static func normalize(_ members: [KeepMajorityMember], selfNode: NodeId) -> [KeepMajorityMember] {
        var byNode: [NodeId: KeepMajorityMember] = [:]
        for member in members {
            guard let existing = byNode[member.node] else {
                byNode[member.node] = member
                continue
            }
            if member.generation > existing.generation {
                byNode[member.node] = member
            } else if member.generation == existing.generation, member.isReachable {
                byNode[member.node] = member
            }
        }
        let selfGeneration = byNode[selfNode]?.generation ?? 0
        byNode[selfNode] = KeepMajorityMember(node: selfNode, generation: selfGeneration, isReachable: true)
        return byNode.values.sorted()
    }

    /// The keep-majority decision on the current (stable) view.
    func decision() -> [DowningDirective] {
        let unreachable = unreachableMembers
        let reachableCount = view.count - unreachable.count
        let keepsThisSide: Bool
        let rule: String
        if reachableCount != unreachable.count {
            keepsThisSide = reachableCount > unreachable.count
            rule = "\(reachableCount) reachable against \(unreachable.count) unreachable"
        } else {
            // view is sorted by node and never empty (this node is in it).
            let lowest = view[0]
            keepsThisSide = lowest.isReachable
            rule = "a tie, \(reachableCount) against \(unreachable.count), goes to the side of the lowest node \(lowest.node)"
        }
        if keepsThisSide {
            return [.down(unreachable.map(\.target))]
        }
        return [.downSelf(reason: "keep-majority: \(selfNode) is on the minority side (\(rule) of \(view.count) members, stable for \(configuration.stableAfter)): it downs itself")]
    }

    /// Everything goes: the others, then this node.
    func downAll(unstableFor duration: Duration) -> [DowningDirective] {
        let others = view.filter { $0.node != selfNode }.map(\.target)
        let reason = "keep-majority: members unreachable for \(duration) while the view kept changing (more than stableAfter \(configuration.stableAfter) + downAllWhenUnstable): every member is downed, \(selfNode) included"
        return [.down(others), .downSelf(reason: reason)]
    }
}
