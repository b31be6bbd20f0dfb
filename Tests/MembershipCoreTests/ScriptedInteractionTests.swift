import FabricCore
import Foundation
import Testing
@testable import MembershipCore

/// Scripted interaction tests (DESIGN.md §7 tier 2), in the style of etcd-raft's datadriven
/// tests: each file under `testdata/` is a list of blocks
///
///     command args
///     ----
///     expected output (no blank lines)
///     <blank line>
///
/// run against a `TestCluster` (seed 1, LAN defaults, 1 ms latency). `UPDATE_TESTDATA=1`
/// rewrites the expected output from what the run produced; every rewritten trace is then
/// read by a person before it is committed.
///
/// Commands: `add-nodes N [lifeguard=off]`, `join A SEED...`, `tick DURATION [trace]`,
/// `deliver`, `stabilize`, `drop A->B`, `partition A B | C`, `heal`, `crash A`, `restart A`,
/// `leave A`, `down A B` (A decides B is down), `members A`, `health A`, `counters A NAME...`.
@Suite struct ScriptedInteractionTests {
    static var scriptNames: [String] {
        guard let folder = Bundle.module.url(forResource: "testdata", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test func thereAreScripts() {
        #expect(Self.scriptNames.count >= 9)
    }

    @Test(arguments: scriptNames)
    func script(_ name: String) throws {
        let folder = try #require(Bundle.module.url(forResource: "testdata", withExtension: nil))
        let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        let blocks = try ScriptParser.parse(text)
        var runner = ScriptRunner()
        var rewritten = ""
        for block in blocks {
            let output = try runner.run(block.command)
            rewritten += block.leading + block.command + "\n----\n" + (output.isEmpty ? "" : output + "\n") + "\n"
            #expect(output == block.expected, "\(name): \(block.command)")
        }
        if ProcessInfo.processInfo.environment["UPDATE_TESTDATA"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("testdata").appendingPathComponent(name)
            try rewritten.write(to: source, atomically: true, encoding: .utf8)
        }
    }
}

struct ScriptBlock {
    var leading: String
    var command: String
    var expected: String
}

enum ScriptParser {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ text: String) throws -> [ScriptBlock] {
        var blocks: [ScriptBlock] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        var leading = ""
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty {
                if line.hasPrefix("#") { leading += line + "\n" }
                index += 1
                continue
            }
            guard index + 1 < lines.count, lines[index + 1] == "----" else {
                throw Failure(description: "line \(index + 1): \"\(line)\" is not followed by ----")
            }
            var expected: [String] = []
            index += 2
            while index < lines.count, !lines[index].isEmpty {
                expected.append(lines[index])
                index += 1
            }
            blocks.append(ScriptBlock(leading: leading, command: line, expected: expected.joined(separator: "\n")))
            leading = ""
        }
        return blocks
    }
}

struct ScriptRunner {
    var cluster = TestCluster(configuration: .lan, seed: 1)
    var namesUsed = 0

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func duration(_ text: String) throws -> Duration {
        if text.hasSuffix("ms"), let value = Int(text.dropLast(2)) { return .milliseconds(value) }
        if text.hasSuffix("s"), let value = Double(text.dropLast()) { return .milliseconds(Int(value * 1000)) }
        throw Failure(description: "not a duration: \(text)")
    }

    mutating func run(_ command: String) throws -> String {
        let words = command.split(separator: " ").map(String.init)
        guard let verb = words.first else { return "" }
        let args = Array(words.dropFirst())
        cluster.trace = []
        cluster.traceMessages = false
        cluster.traceTimes = verb == "tick"
        switch verb {
        case "add-nodes":
            guard let count = args.first.flatMap(Int.init) else { throw Failure(description: "add-nodes N") }
            var configuration = SWIMConfiguration.lan
            if args.contains("lifeguard=off") { configuration.lifeguard = false }
            var added: [String] = []
            for _ in 0..<count {
                let name = String(UnicodeScalar(UInt8(ascii: "a") + UInt8(namesUsed)))
                namesUsed += 1
                let identity = cluster.add(name, configuration: configuration)
                added.append("\(name) g\(identity.generation)")
            }
            return "added " + added.joined(separator: ", ")
        case "join":
            cluster.traceMessages = true
            let node = TestCluster.node(args[0])
            var seeds: [NodeId: NodeAddress] = [:]
            for seed in args.dropFirst() {
                seeds[TestCluster.node(seed)] = TestCluster.identity(seed, generation: 0).address
            }
            cluster.run(node) { core, _, clock in core.onJoin(seeds: seeds, now: clock) }
        case "tick":
            cluster.traceMessages = args.contains("trace")
            cluster.tick(try Self.duration(args[0]))
        case "deliver":
            cluster.traceMessages = true
            cluster.deliverRound()
        case "stabilize":
            let before = cluster.delivered
            cluster.stabilize()
            cluster.trace.append("(\(cluster.delivered - before) messages delivered)")
        case "drop":
            let ends = args[0].components(separatedBy: "->")
            cluster.drop(from: ends[0], to: ends[1])
            return "ok"
        case "partition":
            cluster.partition(args.split(separator: "|").map(Array.init))
            return "ok"
        case "heal":
            cluster.heal()
            return "ok"
        case "crash":
            cluster.nodes[TestCluster.node(args[0])]?.crashed = true
            return "ok"
        case "restart":
            let identity = cluster.restart(args[0])
            return "\(args[0]) g\(identity.generation)"
        case "leave":
            cluster.traceMessages = true
            cluster.run(TestCluster.node(args[0])) { core, random, clock in core.onLeave(now: clock, random: &random) }
        case "down":
            cluster.traceMessages = true
            let target = TestCluster.node(args[1])
            guard let generation = cluster.core(args[0]).member(target)?.identity.generation else {
                throw Failure(description: "\(args[0]) does not know \(args[1])")
            }
            cluster.run(TestCluster.node(args[0])) { core, _, clock in core.onDown(target, generation: generation, now: clock) }
        case "members":
            let core = cluster.core(args[0])
            return core.members.map(TestCluster.describe).joined(separator: "\n")
        case "health":
            return "local health \(cluster.core(args[0]).localHealth)"
        case "counters":
            let counters = cluster.core(args[0]).counters
            let mirror = Mirror(reflecting: counters)
            return args.dropFirst().map { name in
                let value = mirror.children.first { $0.label == name }?.value
                return "\(name) \(value.map { "\($0)" } ?? "?")"
            }.joined(separator: "\n")
        default:
            throw Failure(description: "unknown command \(verb)")
        }
        return cluster.trace.joined(separator: "\n")
    }
}
