//! Prints what an inventory holds: `cargo run -p flowsieve-sg --example dump_inventory -- <PATH>...`
//! (the `flowsieve inventory` command is the friendly version of this).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let inv = flowsieve_sg::Inventory::load(&paths)?;
    for g in inv.security_groups() {
        println!("{} {:?} default={}", g.id, g.name, g.is_default);
        for r in inv.rules_of_group(&g.id) {
            let sources: Vec<String> = r
                .sources
                .iter()
                .map(|s| format!("{}:{}", s.kind, s.location))
                .collect();
            println!(
                "  {} {} {} {} {} {} [{}]",
                r.id,
                r.direction,
                r.protocol,
                r.from_port(),
                r.to_port(),
                r.peer_string(),
                sources.join(" | ")
            );
        }
    }
    for e in inv.network_interfaces() {
        println!(
            "{} {} {:?} {:?} {:?}",
            e.id,
            e.kind(),
            e.group_ids,
            e.private_ipv4,
            e.public_ipv4
        );
    }
    for p in inv.prefix_lists() {
        println!("{} {} {:?}", p.id, p.name, p.entries);
    }
    println!(
        "vpc cidrs: {:?}",
        inv.vpc_cidrs()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    for f in inv.findings() {
        println!("{f}");
    }
    Ok(())
}
