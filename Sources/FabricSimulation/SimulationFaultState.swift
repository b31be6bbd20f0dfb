import FabricCore

/// Whether a simulated node is running.
public enum SimulatedNodeStatus: Sendable, Hashable {
    /// Running: it handles messages and timers.
    case up
    /// Stopped like `SIGSTOP`: it keeps its state but runs nothing; messages to it wait.
    case paused
    /// Gone: its state is lost and messages to it are lost, until it is restarted as a new node.
    case crashed
}

/// Who is up, paused or crashed, and who can reach whom, since when: the fault side of a run,
/// for invariants ("no live, reachable member is ever declared dead") and for the engine itself.
///
/// Nodes are named by `NodeId`, and also by their index in `nodeIDs` for harnesses that keep
/// arrays. Reachability here is the network's alone (partitions and one-way cuts); a crashed or
/// paused node is unreachable in `isLiveAndReachable` but not in `canDeliver`.
public struct SimulationFaultState: Sendable {
    /// Every node of the run, in the order they were added.
    public private(set) var nodeIDs: [NodeId] = []
    @usableFromInline var indexByID: [NodeId: Int] = [:]
    @usableFromInline var statuses: [SimulatedNodeStatus] = []
    private var statusSince: [Instant] = []
    @usableFromInline var generations: [Int] = []
    /// Partition group per node; nodes talk only within a group. 0 for all when healed.
    @usableFromInline var groups: [Int32] = []
    /// One-way cuts, as `from << 32 | to`.
    @usableFromInline var cuts: Set<UInt64> = []
    /// When each node's status or links last changed.
    private var changedAt: [Instant] = []
    /// When the network was last split (a partition or a cut), or nil while it is whole.
    public private(set) var splitSince: Instant?

    /// The node's index in `nodeIDs`, or nil when it is not in the run.
    @inlinable public func index(of node: NodeId) -> Int? { indexByID[node] }

    /// The node's status.
    public func status(of node: NodeId) -> SimulatedNodeStatus { statuses[checkedIndex(node)] }
    /// The status of the node at `index`.
    @inlinable public func status(at index: Int) -> SimulatedNodeStatus { statuses[index] }

    /// Since when the node has had its current status.
    public func statusSince(of node: NodeId) -> Instant { statusSince[checkedIndex(node)] }

    /// The node's current generation (0, then one more at each restart).
    public func generation(of node: NodeId) -> Int { generations[checkedIndex(node)] }

    /// The last instant the node's status or any of its links changed (paused, resumed, crashed,
    /// restarted, partitioned, cut, healed): a checker grants a detector its timeout from here.
    public func lastChange(of node: NodeId) -> Instant { changedAt[checkedIndex(node)] }
    /// `lastChange(of:)` for the node at `index`.
    public func lastChange(at index: Int) -> Instant { changedAt[index] }

    /// Whether the network would carry a message from `sender` to `destination` now (no partition
    /// between them and no one-way cut from sender to destination); says nothing of their status.
    public func canDeliver(from sender: NodeId, to destination: NodeId) -> Bool {
        canDeliver(from: checkedIndex(sender), to: checkedIndex(destination))
    }

    /// `canDeliver(from:to:)` by index.
    @inlinable @inline(__always)
    public func canDeliver(from sender: Int, to destination: Int) -> Bool {
        guard groups[sender] == groups[destination] else { return false }
        return cuts.isEmpty || !cuts.contains(Self.linkKey(sender, destination))
    }

    /// Whether `target` is up and the network carries messages both ways between it and `observer`:
    /// what "a live, reachable member" means to a membership invariant.
    public func isLiveAndReachable(_ target: NodeId, from observer: NodeId) -> Bool {
        let target = checkedIndex(target), observer = checkedIndex(observer)
        return statuses[target] == .up && canDeliver(from: target, to: observer)
            && canDeliver(from: observer, to: target)
    }

    /// The key of the directed link `from → to`.
    @inlinable @inline(__always)
    static func linkKey(_ from: Int, _ to: Int) -> UInt64 { UInt64(from) << 32 | UInt64(to) }

    private func checkedIndex(_ node: NodeId) -> Int {
        guard let index = indexByID[node] else { preconditionFailure("\(node) is not a node of this simulation") }
        return index
    }

    // MARK: Changes (the engine's)

    /// Adds a node, up, in the group of everyone not partitioned off (0).
    mutating func add(_ node: NodeId, at instant: Instant) -> Int {
        precondition(indexByID[node] == nil, "\(node) is already a node of this simulation")
        precondition(nodeIDs.count < Limits.simulationNodesMax,
                     "a simulation holds at most \(Limits.simulationNodesMax) nodes")
        let index = nodeIDs.count
        nodeIDs.append(node)
        indexByID[node] = index
        statuses.append(.up)
        statusSince.append(instant)
        generations.append(0)
        groups.append(0)
        changedAt.append(instant)
        return index
    }

    mutating func setStatus(_ status: SimulatedNodeStatus, at index: Int, instant: Instant) {
        statuses[index] = status
        statusSince[index] = instant
        changedAt[index] = instant
    }

    mutating func nextGeneration(at index: Int) -> Int {
        generations[index] += 1
        return generations[index]
    }

    /// Splits the network into `partition` (node indices; everyone unlisted forms one more group).
    mutating func partition(_ partition: [[Int]], at instant: Instant) {
        var newGroups = [Int32](repeating: 0, count: groups.count)
        for (number, group) in partition.enumerated() {
            for index in group {
                precondition(newGroups[index] == 0, "\(nodeIDs[index]) is in two groups of \(partition)")
                newGroups[index] = Int32(number + 1)
            }
        }
        for index in groups.indices where groups[index] != newGroups[index] { changedAt[index] = instant }
        groups = newGroups
        splitSince = splitSince ?? instant
    }

    /// Cuts the link from `sender` to `destination` (the other way still works).
    mutating func cut(from sender: Int, to destination: Int, at instant: Instant) {
        guard cuts.insert(Self.linkKey(sender, destination)).inserted else { return }
        changedAt[sender] = instant
        changedAt[destination] = instant
        splitSince = splitSince ?? instant
    }

    /// Restores one cut link.
    mutating func restore(from sender: Int, to destination: Int, at instant: Instant) {
        guard cuts.remove(Self.linkKey(sender, destination)) != nil else { return }
        changedAt[sender] = instant
        changedAt[destination] = instant
        if cuts.isEmpty, groups.allSatisfy({ $0 == 0 }) { splitSince = nil }
    }

    /// Undoes every partition and cut.
    mutating func heal(at instant: Instant) {
        for index in groups.indices where groups[index] != 0 { changedAt[index] = instant }
        for key in cuts {
            changedAt[Int(key >> 32)] = instant
            changedAt[Int(key & 0xFFFF_FFFF)] = instant
        }
        for index in groups.indices { groups[index] = 0 }
        cuts.removeAll()
        splitSince = nil
    }
}
