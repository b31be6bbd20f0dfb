import FabricCore
@testable import MembershipCore

/// A tiny in-memory network of cores for the scripted and property tests: a simulated clock,
/// a fixed latency, drop rules, partitions, optional random loss, crashes and restarts.
/// Deterministic for a seed.
struct TestCluster {
    struct Node {
        var core: MembershipCore
        var crashed = false
    }

    struct InFlight {
        var at: Instant
        var from: NodeId
        var to: NodeId
        var message: SWIMMessage
    }

    struct Link: Hashable {
        var from: NodeId
        var to: NodeId
    }

    var configuration: SWIMConfiguration
    var random: SeededRandom
    var nodes: [NodeId: Node] = [:]
    var order: [NodeId] = []
    var clock = Instant(nanoseconds: 1_000_000_000)
    var latency: Duration = .milliseconds(1)
    var lossPercent = 0
    var inFlight: [InFlight] = []
    var blocked: Set<Link> = []
    var nextGeneration: UInt64 = 1
    var traceMessages = false
    /// Prefixes trace lines with the time since the cluster started (for `tick`).
    var traceTimes = false
    var trace: [String] = []
    var delivered = 0
    /// Called after every core call with the node that ran (the property test checks invariants here).
    var observer: ((TestCluster, NodeId) -> Void)?

    init(configuration: SWIMConfiguration = .lan, seed: UInt64 = 1) {
        self.configuration = configuration
        self.random = SeededRandom(seed: seed)
    }

    static func node(_ name: String) -> NodeId { NodeId(uncheckedValid: name) }

    static func identity(_ name: String, generation: UInt64) -> MemberIdentity {
        MemberIdentity(node: node(name), generation: generation, address: NodeAddress(uncheckedHost: name, port: 7946))
    }

    /// Adds a node with the next generation and returns its identity.
    @discardableResult
    mutating func add(_ name: String, configuration: SWIMConfiguration? = nil) -> MemberIdentity {
        let identity = Self.identity(name, generation: nextGeneration)
        nextGeneration += 1
        let core = MembershipCore(me: identity, cluster: "test", configuration: configuration ?? self.configuration, now: clock)
        if nodes[identity.node] == nil { order.append(identity.node) }
        nodes[identity.node] = Node(core: core)
        return identity
    }

    /// A new process for `name` (a new generation), alone until it joins.
    mutating func restart(_ name: String) -> MemberIdentity {
        let configuration = nodes[Self.node(name)]?.core.configuration
        return add(name, configuration: configuration)
    }

    func core(_ name: String) -> MembershipCore { nodes[Self.node(name)]!.core }

    mutating func run(_ node: NodeId, _ body: (inout MembershipCore, inout SeededRandom, Instant) -> [MembershipDirective]) {
        guard var entry = nodes[node], !entry.crashed else { return }
        let directives = body(&entry.core, &random, clock)
        nodes[node] = entry
        apply(directives, from: node)
        observer?(self, node)
    }

    mutating func apply(_ directives: [MembershipDirective], from node: NodeId) {
        for directive in directives {
            switch directive {
            case .send(let message, let to, _):
                if traceMessages { record("\(node) -> \(to): \(Self.describe(message))") }
                inFlight.append(InFlight(at: clock + latency, from: node, to: to, message: message))
            case .event(let event):
                record("\(node): \(event.kind) \(Self.describe(event.member))")
            }
        }
    }

    mutating func record(_ line: String) {
        guard traceTimes else {
            trace.append(line)
            return
        }
        let milliseconds = (clock.nanoseconds - 1_000_000_000) / 1_000_000
        trace.append("\(milliseconds / 1000).\(String(milliseconds % 1000 + 1000).dropFirst())s \(line)")
    }

    mutating func deliver(_ item: InFlight) {
        let lost = lossPercent > 0 && Int.random(in: 0..<100, using: &random) < lossPercent
        guard let target = nodes[item.to], !target.crashed, !blocked.contains(Link(from: item.from, to: item.to)), !lost
        else {
            if traceMessages { record("dropped \(item.from) -> \(item.to): \(Self.describe(item.message))") }
            return
        }
        delivered += 1
        run(item.to) { core, random, clock in core.onMessage(item.message, now: clock, random: &random) }
    }

    /// Delivers everything in flight now (messages they cause wait for the next round).
    mutating func deliverRound() {
        let round = inFlight
        inFlight = []
        for item in round { deliver(item) }
    }

    /// Delivers rounds until nothing is in flight (at most `rounds`), without moving the clock.
    mutating func stabilize(rounds: Int = 100) {
        var remaining = rounds
        while !inFlight.isEmpty, remaining > 0 {
            deliverRound()
            remaining -= 1
        }
    }

    /// Runs the clock forward by `duration`: messages arrive after the latency, timers fire at their deadlines.
    mutating func tick(_ duration: Duration) {
        let end = clock + duration
        while true {
            let messageAt = inFlight.first?.at
            var timerAt: Instant?
            for node in order {
                guard let entry = nodes[node], !entry.crashed, let deadline = entry.core.nextDeadline else { continue }
                timerAt = min(timerAt ?? deadline, deadline)
            }
            let next = [messageAt, timerAt].compactMap { $0 }.min()
            guard let next, next <= end else { break }
            clock = max(clock, next)
            if let messageAt, messageAt <= next {
                deliver(inFlight.removeFirst())
                continue
            }
            for node in order {
                guard let deadline = nodes[node]?.core.nextDeadline, deadline <= clock else { continue }
                run(node) { core, random, clock in core.onTimer(now: clock, random: &random) }
            }
        }
        clock = end
    }

    // MARK: Partitions

    mutating func drop(from: String, to: String) { blocked.insert(Link(from: Self.node(from), to: Self.node(to))) }

    mutating func partition(_ sides: [[String]]) {
        for (index, side) in sides.enumerated() {
            for other in sides.indices where other != index {
                for a in side { for b in sides[other] { drop(from: a, to: b) } }
            }
        }
    }

    mutating func heal() { blocked = [] }

    // MARK: Descriptions for traces

    static func describe(_ member: Member) -> String {
        "\(member.node) g\(member.identity.generation) \(member.status) \(member.incarnation)"
    }

    static func describe(_ update: MemberUpdate) -> String {
        "\(update.member.node) \(update.member.status) \(update.member.incarnation) by \(update.reporter)"
    }

    static func describe(_ message: SWIMMessage) -> String {
        let body: String
        switch message {
        case .ping(_, let sequence, let target): body = "ping #\(sequence) to \(target)"
        case .pingRequest(_, let sequence, let target, let wantsNack):
            body = "ping-req #\(sequence) target \(target.node)\(wantsNack ? " wants nack" : "")"
        case .ack(_, let sequence, let target): body = "ack #\(sequence) for \(target)"
        case .nack(_, let sequence, let target): body = "nack #\(sequence) for \(target)"
        case .gossip: body = "gossip"
        case .pushPull(_, let pushPull):
            switch pushPull.phase {
            case .digest(let join, let hashes): body = join ? "push-pull join" : "push-pull digest (\(hashes.count) buckets)"
            case .reply(let buckets, let members):
                body = "push-pull reply (\(buckets.count) buckets): \(members.map { "\($0.node) \($0.status) \($0.incarnation)" }.joined(separator: ", "))"
            case .merge(let members):
                body = "push-pull merge: \(members.map { "\($0.node) \($0.status) \($0.incarnation)" }.joined(separator: ", "))"
            }
        }
        let gossip = message.header.gossip
        return gossip.isEmpty ? body : body + " [" + gossip.map(describe).joined(separator: "; ") + "]"
    }
}
