import FabricCore
@testable import RaftCore

/// A node id from a short test name ("1", "2", …).
func node(_ name: String) -> NodeId { NodeId(uncheckedValid: name) }

/// Several cores joined by an in-memory network the test controls: messages wait in a queue
/// until delivered, dropped, duplicated or reordered. Used by the unit tests, the scripted
/// interaction tests and the property test.
struct RaftTestCluster {
    var cores: [NodeId: RaftCore] = [:]
    var order: [NodeId] = []
    /// Messages sent and not yet delivered, in sending order.
    var inFlight: [RaftMessage] = []
    /// When set, only nodes in the same group reach each other.
    var groups: [Set<NodeId>]? = nil
    /// What each node's state machine holds: the data of every applied normal entry.
    var stateMachines: [NodeId: [String]] = [:]
    /// Every entry each node applied, by index (for the safety checks).
    var appliedEntries: [NodeId: [RaftIndex: RaftEntry]] = [:]

    /// Adds a node named `name` with a fresh storage of `membership`.
    mutating func add(_ name: String, membership: RaftMembership, configure: (inout RaftConfiguration) -> Void = { _ in }) {
        let id = node(name)
        var configuration = RaftConfiguration(id: id, randomSeed: UInt64(order.count + 1) &* 0x9E37_79B9)
        configure(&configuration)
        cores[id] = RaftCore(configuration: configuration, storage: MemoryRaftStorage(membership: membership))
        order.append(id)
        stateMachines[id] = []
        appliedEntries[id] = [:]
    }

    subscript(_ name: String) -> RaftCore {
        get { cores[node(name)]! }
        set { cores[node(name)] = newValue }
    }

    func reachable(_ from: NodeId, _ to: NodeId) -> Bool {
        guard let groups else { return true }
        return groups.contains { $0.contains(from) && $0.contains(to) }
    }

    /// Takes one node's ready, "persists" it, applies it and queues its messages; the lines
    /// describe it for traces.
    @discardableResult
    mutating func processReady(_ id: NodeId) -> [String] {
        guard var core = cores[id], let ready = core.ready() else { return [] }
        var lines = ["> \(id) ready: \(describe(ready.softState)) term=\(core.term)"]
        if let hard = ready.hardState { lines.append("  hard: term=\(hard.term) vote=\(hard.vote?.name ?? "-") commit=\(hard.commit)") }
        if let snapshot = ready.snapshot { lines.append("  snapshot: \(describe(snapshot))") }
        if !ready.entries.isEmpty { lines.append("  persist: " + ready.entries.map(describe).joined(separator: ", ")) }
        if !ready.committedEntries.isEmpty { lines.append("  apply: " + ready.committedEntries.map(describe).joined(separator: ", ")) }
        for message in ready.messages { lines.append("  send: " + describe(message)) }
        for read in ready.readStates { lines.append("  read-state: index=\(read.index) context=\(String(decoding: read.context, as: UTF8.self))") }
        if let snapshot = ready.snapshot {
            let text = String(decoding: snapshot.data, as: UTF8.self)
            stateMachines[id] = text.isEmpty ? [] : text.split(separator: ",").map(String.init)
        }
        for entry in ready.committedEntries {
            appliedEntries[id]![entry.index] = entry
            if case .normal(let data) = entry.payload, !data.isEmpty {
                stateMachines[id]!.append(String(decoding: data, as: UTF8.self))
            }
        }
        inFlight.append(contentsOf: ready.messages)
        core.advance(ready)
        cores[id] = core
        return lines
    }

    /// Delivers one message (dropped when a partition separates its ends); the line says what happened.
    @discardableResult
    mutating func deliver(_ message: RaftMessage) -> String {
        guard reachable(message.from, message.to), var core = cores[message.to] else {
            return "  \(describe(message)) DROPPED"
        }
        let outcome = core.step(message)
        cores[message.to] = core
        switch outcome {
        case .accepted: return "  \(describe(message))"
        case .dropped: return "  \(describe(message)) (ignored)"
        case .refused(let why): return "  \(describe(message)) REFUSED \(why)"
        }
    }

    /// Delivers every queued message addressed to `id`, in order.
    mutating func deliverAll(to id: NodeId) -> [String] {
        let mine = inFlight.filter { $0.to == id }
        inFlight.removeAll { $0.to == id }
        return mine.map { deliver($0) }
    }

    /// Processes readies and delivers messages until nothing moves.
    mutating func stabilize() -> [String] {
        var lines: [String] = []
        while true {
            var moved = false
            for id in order where cores[id]!.hasReady {
                lines += processReady(id)
                moved = true
            }
            for id in order where inFlight.contains(where: { $0.to == id }) {
                lines.append("> \(id) receiving")
                lines += deliverAll(to: id)
                moved = true
            }
            if !moved { return lines }
        }
    }

    /// The node that leads the highest term, if any.
    var leader: NodeId? {
        order.filter { cores[$0]!.role == .leader }.max { cores[$0]!.term < cores[$1]!.term }
    }
}

func describe(_ state: RaftSoftState) -> String {
    "\(state.role) lead=\(state.leader?.name ?? "-")"
}

func describe(_ entry: RaftEntry) -> String {
    "\(entry.term)/\(entry.index) \(describe(entry.payload))"
}

func describe(_ payload: RaftEntryPayload) -> String {
    switch payload {
    case .normal(let data): return data.isEmpty ? "(empty)" : String(decoding: data, as: UTF8.self)
    case .configurationChange(let change):
        if change.changes.isEmpty { return "conf(leave-joint)" }
        return "conf(" + change.changes.map { change -> String in
            switch change {
            case .addVoter(let id): return "v\(id)"
            case .addLearner(let id): return "l\(id)"
            case .remove(let id): return "r\(id)"
            }
        }.joined(separator: " ") + ")"
    }
}

func describe(_ snapshot: RaftSnapshot) -> String {
    "index=\(snapshot.metadata.index) term=\(snapshot.metadata.term) \(describe(snapshot.metadata.membership)) data=\(String(decoding: snapshot.data, as: UTF8.self))"
}

func describe(_ membership: RaftMembership) -> String {
    func list(_ set: Set<NodeId>) -> String { "(" + set.map(\.name).sorted().joined(separator: ",") + ")" }
    var text = "voters=\(list(membership.voters))"
    if membership.isJoint { text += "&&\(list(membership.outgoingVoters))" }
    if !membership.learners.isEmpty { text += " learners=\(list(membership.learners))" }
    return text
}

func describe(_ message: RaftMessage) -> String {
    let head = "\(message.from)->\(message.to) \(message.kind.name) term=\(message.term)"
    switch message.kind {
    case .vote(let index, let term, let transfer):
        return head + " last=\(index)@\(term)" + (transfer ? " transfer" : "")
    case .preVote(let index, let term):
        return head + " last=\(index)@\(term)"
    case .voteResponse(let granted), .preVoteResponse(let granted):
        return head + (granted ? " granted" : " rejected")
    case .append(let prevIndex, let prevTerm, let entries, let commit):
        return head + " prev=\(prevIndex)@\(prevTerm) commit=\(commit)"
            + (entries.isEmpty ? "" : " [" + entries.map(describe).joined(separator: ", ") + "]")
    case .appendResponse(let index, let rejected, let hintIndex, let hintTerm):
        return head + (rejected ? " rejected=\(index) hint=\(hintIndex)@\(hintTerm)" : " index=\(index)")
    case .heartbeat(let commit, let round):
        return head + " commit=\(commit)" + (round > 0 ? " round=\(round)" : "")
    case .heartbeatResponse(let round):
        return head + (round > 0 ? " round=\(round)" : "")
    case .snapshot(let snapshot):
        return head + " " + describe(snapshot)
    case .timeoutNow:
        return head
    case .readIndex(let context):
        return head + " context=\(String(decoding: context, as: UTF8.self))"
    case .readIndexResponse(let index, let context):
        return head + " index=\(index) context=\(String(decoding: context, as: UTF8.self))"
    }
}
