import FabricCore
import Foundation
import Testing
@testable import RaftCore

/// Scripted interaction tests (DESIGN.md §7 tier 2, after etcd-raft's testdata): each file in
/// `testdata/` is a list of commands, each followed by `----` and the trace it must produce.
/// `UPDATE_TESTDATA=1 swift test --filter ScriptedInteractionTests` rewrites the expected traces
/// in the source tree (the tests read the copy in the test bundle, so build again before the next
/// run); read every rewritten trace before committing it.
@Suite struct ScriptedInteractionTests {
    static let directory = Bundle.module.url(forResource: "testdata", withExtension: nil)!

    static let scripts: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted()
    }()

    @Test(arguments: scripts)
    func script(_ name: String) throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
        let blocks = ScriptBlock.parse(text)
        var runner = ScriptRunner()
        var rewritten: [String] = []
        for block in blocks {
            let output = runner.run(block.command)
            let actual = output.isEmpty ? "ok" : output.joined(separator: "\n")
            rewritten.append(block.comments + block.command + "\n----\n" + actual + "\n")
            if ProcessInfo.processInfo.environment["UPDATE_TESTDATA"] == nil {
                #expect(actual == block.expected, "\(name): \(block.command)")
            }
        }
        if ProcessInfo.processInfo.environment["UPDATE_TESTDATA"] != nil {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("testdata").appendingPathComponent(name)
            try rewritten.joined(separator: "\n").write(to: source, atomically: true, encoding: .utf8)
        }
    }
}

/// One command of a script with its expected output and the comments before it.
struct ScriptBlock {
    var comments: String
    var command: String
    var expected: String

    static func parse(_ text: String) -> [ScriptBlock] {
        var blocks: [ScriptBlock] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        while !lines.isEmpty {
            var comments = ""
            while let line = lines.first, line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty {
                if line.hasPrefix("#") { comments += line + "\n" }
                lines.removeFirst()
            }
            guard let command = lines.popFirst() else { break }
            precondition(lines.popFirst() == "----", "expected ---- after \(command)")
            var expected: [String] = []
            while let line = lines.first, !line.isEmpty {
                expected.append(line)
                lines.removeFirst()
            }
            blocks.append(ScriptBlock(comments: comments, command: command, expected: expected.joined(separator: "\n")))
        }
        return blocks
    }
}

/// Carries out script commands on a `RaftTestCluster`.
struct ScriptRunner {
    var cluster = RaftTestCluster()

    mutating func run(_ command: String) -> [String] {
        let words = command.split(separator: " ").map(String.init)
        let before = cluster.order.map { (cluster.cores[$0]!.role, cluster.cores[$0]!.term) }
        var output = execute(words[0], Array(words.dropFirst()))
        for (position, id) in cluster.order.enumerated() where position < before.count {
            let core = cluster.cores[id]!
            if before[position].0 != core.role || before[position].1 != core.term {
                output.append("~ \(id): \(before[position].0) -> \(core.role) term=\(core.term)")
            }
        }
        return output
    }

    static func list(_ text: String) -> [String] {
        text.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",").map(String.init)
    }

    mutating func execute(_ name: String, _ arguments: [String]) -> [String] {
        switch name {
        case "add-nodes":
            let count = Int(arguments[0])!
            var voters: [String] = []
            var learners: [String] = []
            var options: [String: String] = [:]
            for argument in arguments.dropFirst() {
                let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
                switch parts[0] {
                case "voters": voters = Self.list(parts[1])
                case "learners": learners = Self.list(parts[1])
                default: options[parts[0]] = parts[1]
                }
            }
            let membership = RaftMembership(voters: Set(voters.map(node)), learners: Set(learners.map(node)))
            for _ in 0..<count {
                cluster.add(String(cluster.order.count + 1), membership: membership) { configuration in
                    if let value = options["prevote"] { configuration.preVote = value == "true" }
                    if let value = options["checkquorum"] { configuration.checkQuorum = value == "true" }
                    if options["read"] == "lease" { configuration.readMode = .leaseBased }
                    if let value = options["inflight"] { configuration.inflightAppendsMax = Int(value)! }
                    if let value = options["max-entries"] { configuration.entriesPerAppendMax = Int(value)! }
                }
            }
            return []
        case "campaign":
            cluster.cores[node(arguments[0])]!.campaign()
            return []
        case "propose":
            return Self.report { () throws(RaftError) in try cluster.cores[node(arguments[0])]!.propose(Array(arguments[1].utf8)) }
        case "propose-conf-change":
            let changes = arguments.dropFirst().map { word -> RaftMemberChange in
                let target = node(String(word.dropFirst()))
                switch word.first {
                case "v": return .addVoter(target)
                case "l": return .addLearner(target)
                default: return .remove(target)
                }
            }
            return Self.report { () throws(RaftError) in try cluster.cores[node(arguments[0])]!.proposeConfigurationChange(changes) }
        case "read-index":
            return Self.report { () throws(RaftError) in try cluster.cores[node(arguments[0])]!.readIndex(context: Array(arguments[1].utf8)) }
        case "transfer-leadership":
            return Self.report { () throws(RaftError) in
                try cluster.cores[node(arguments[0])]!.transferLeadership(to: node(arguments[1]))
            }
        case "compact":
            let id = node(arguments[0])
            let data = Array(cluster.stateMachines[id]!.joined(separator: ",").utf8)
            return Self.report { () throws(RaftError) in try cluster.cores[id]!.compactLog(snapshotData: data) }
        case "tick":
            for _ in 0..<Int(arguments[1])! { cluster.cores[node(arguments[0])]!.tick() }
            return []
        case "tick-heartbeat":
            let id = node(arguments[0])
            for _ in 0..<cluster.cores[id]!.configuration.heartbeatTick { cluster.cores[id]!.tick() }
            return []
        case "tick-election":
            // Ticks until the node's role or term changes, or a full (maximal) election timeout.
            let id = node(arguments[0])
            let start = (cluster.cores[id]!.role, cluster.cores[id]!.term)
            for _ in 0..<(2 * cluster.cores[id]!.configuration.electionTick) {
                cluster.cores[id]!.tick()
                if (cluster.cores[id]!.role, cluster.cores[id]!.term) != start { break }
                if start.0 == .leader && cluster.cores[id]!.electionElapsed == 0 { break }
            }
            return []
        case "process-ready":
            return arguments.flatMap { cluster.processReady(node($0)) }
        case "deliver-msgs":
            return arguments.flatMap { cluster.deliverAll(to: node($0)) }
        case "drop-msgs":
            let targets = Set(arguments.map(node))
            let dropped = cluster.inFlight.filter { targets.contains($0.to) }
            cluster.inFlight.removeAll { targets.contains($0.to) }
            return dropped.map { "  dropped: " + describe($0) }
        case "stabilize":
            return cluster.stabilize()
        case "partition":
            cluster.groups = arguments.map { Set(Self.list($0).map(node)) }
            return []
        case "heal":
            cluster.groups = nil
            return []
        case "status":
            return status(node(arguments[0]))
        case "raft-log":
            let core = cluster.cores[node(arguments[0])]!
            guard let entries = try? core.entries(from: core.firstIndex), !entries.isEmpty else {
                return ["log empty after \(core.firstIndex - 1)@\(core.term(at: core.firstIndex - 1) ?? 0)"]
            }
            return entries.map(describe)
        case "raft-state":
            return cluster.order.map { id in
                let core = cluster.cores[id]!
                return "\(id): \(core.role) term=\(core.term) lead=\(core.leader?.name ?? "-") commit=\(core.committedIndex) applied=\(core.appliedIndex) last=\(core.lastIndex) state=[\(cluster.stateMachines[id]!.joined(separator: ","))]"
            }
        default:
            return ["unknown command \(name)"]
        }
    }

    func status(_ id: NodeId) -> [String] {
        let core = cluster.cores[id]!
        var lines = ["\(id): \(core.role) term=\(core.term) vote=\(core.vote?.name ?? "-") lead=\(core.leader?.name ?? "-") commit=\(core.committedIndex) applied=\(core.appliedIndex) first=\(core.firstIndex) last=\(core.lastIndex) \(describe(core.membership))"]
        if let transferee = core.transferee { lines.append("  transferring to \(transferee)") }
        guard core.role == .leader else { return lines }
        for peer in core.membership.members.sorted() {
            guard let progress = core.progress(of: peer) else { continue }
            var state = "\(progress.state)"
            if progress.probeSent { state += " paused" }
            if !progress.inflights.isEmpty { state += " inflight=\(progress.inflights.count)" }
            lines.append("  \(peer): match=\(progress.match) next=\(progress.next) \(state)\(core.membership.learners.contains(peer) ? " learner" : "")")
        }
        return lines
    }

    static func report(_ body: () throws(RaftError) -> Void) -> [String] {
        do { try body() } catch { return ["error: \(error)"] }
        return []
    }
}
