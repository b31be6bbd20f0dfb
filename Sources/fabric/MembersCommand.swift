#if canImport(Glibc)
import Glibc
#endif
import Fabric
import FabricTestKit

/// `fabric members`: the membership table as one node sees it.
enum MembersCommand {
    static let usage = """
        usage: fabric members --via HOST:PORT [--cluster NAME] [--timeout SECONDS] [--json]
          Joins as a client through the node at --via and prints that node's membership table:
          name, address, status (alive, suspect, unreachable, down, left), generation,
          incarnation, the phi of its heartbeats to that node, and the node's own local health.
          --json prints an array of objects with the keys name, address, status, generation
          (hex), incarnation, phi (when watched) and local_health (for the node itself).
          Exits 0, or 1 with a one-line reason.
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let parsed = Arguments(arguments, valued: ["--via", "--cluster", "--timeout"], booleans: ["--json"], usage: usage)
        guard let via = parsed.address("--via", usage: usage) else { Arguments.fail("--via is required", usage: usage) }
        guard parsed.positional.isEmpty else { Arguments.fail("unexpected \(parsed.positional[0])", usage: usage) }
        let timeout = Duration.milliseconds(Int64(parsed.number("--timeout", default: 5, usage: usage) * 1000))
        let client: FabricNode
        do {
            client = try EchoCommand.startClient(via: via, cluster: parsed.value("--cluster"))
        } catch {
            printError("fabric members: \(error)")
            return 1
        }
        do {
            let entry = try await client.waitForEntryNode(timeout: timeout)
            let members = try await withCallOptions(timeout: timeout) {
                try await client.members(of: entry)
            }
            if parsed.has("--json") {
                printLine(json(members))
            } else {
                for line in table(members) { printLine(line) }
            }
            await client.leave()
            return 0
        } catch {
            printError("fabric members: no membership table from \(via): \(error)")
            await client.leave()
            return 1
        }
    }

    /// One JSON array, one object per member.
    static func json(_ members: [MemberSnapshot]) -> String {
        let objects = members.map { member -> String in
            var fields = [
                #""name":\#(quoted(member.name.name))"#,
                #""address":\#(quoted(member.address.description))"#,
                #""status":\#(quoted(member.status.name))"#,
                #""generation":\#(quoted(String(member.generation, radix: 16)))"#,
                #""incarnation":\#(member.incarnation)"#,
            ]
            if let health = member.localHealth { fields.append(#""local_health":\#(health)"#) }
            if let phi = member.phi, phi.isFinite { fields.append(#""phi":\#(phi)"#) }
            return "{" + fields.joined(separator: ",") + "}"
        }
        return "[" + objects.joined(separator: ",") + "]"
    }

    /// Aligned columns with a header line.
    static func table(_ members: [MemberSnapshot]) -> [String] {
        let rows = [["NAME", "ADDRESS", "STATUS", "GENERATION", "INCARNATION", "PHI", "LOCAL-HEALTH"]]
            + members.map {
                [$0.name.name, $0.address.description, $0.status.name, String($0.generation, radix: 16),
                 String($0.incarnation), $0.phi.map(formatPhi) ?? "-", $0.localHealth.map(String.init) ?? "-"]
            }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ")
                .trimmingTrailingSpaces()
        }
    }

    /// Phi with two decimals.
    static func formatPhi(_ phi: Double) -> String {
        guard phi.isFinite else { return "inf" }
        let hundredths = Int((phi * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String { JSONText.quoted(text) }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
