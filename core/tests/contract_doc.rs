//! The contract in the repository (`docs/contract.md`) is kept in step with the code: each key,
//! alias and default its tables list is what the configuration parser accepts and prints.

use staticnets::train::TrainConfig;

const DOC: &str = include_str!("../../docs/contract.md");

/// The rows of the table whose header starts with `header`: cells, trimmed.
fn table(header: &str) -> Vec<Vec<String>> {
    let mut lines = DOC.lines().skip_while(|l| !l.starts_with(header));
    assert!(
        lines.next().is_some(),
        "no table headed {header:?} in docs/contract.md"
    );
    lines
        .skip(1) // the |---| line
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// The names in backticks in a cell: "`a`, `b`" -> ["a", "b"].
fn ticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn text(config: &str) -> String {
    let mut c = TrainConfig::new();
    c.parse(config)
        .unwrap_or_else(|e| panic!("docs/contract.md says {config:?} is accepted: {e}"));
    c.to_string()
}

#[test]
fn every_setting_key_alias_and_default_is_the_parsers() {
    let rows = table("| key | aliases | default | meaning |");
    assert!(rows.len() >= 15, "{} settings", rows.len());
    let defaults = TrainConfig::new().to_string();
    for row in rows {
        let key = &ticked(&row[0])[0];
        let Some(default) = ticked(&row[2]).into_iter().next() else {
            // (no default value: the key is accepted with a value of its own)
            assert!(row[2].contains("none"), "{row:?}");
            continue;
        };
        let line = format!("{key} = {default}");
        // printed with the defaults, or (a key written only when changed) a no-op when given
        let mut given = TrainConfig::new();
        let no_op = given.parse(&line).is_ok() && given == TrainConfig::new();
        assert!(
            defaults.lines().any(|l| l == line) || (no_op && !defaults.contains(key.as_str())),
            "docs/contract.md: the default of {key} is {default}, but a fresh configuration prints:\n{defaults}"
        );
        for alias in ticked(&row[1]) {
            assert_eq!(
                text(&format!("{alias} = {default}")),
                text(&line),
                "alias {alias}"
            );
        }
    }
}

#[test]
fn every_regularizer_key_and_alias_is_the_parsers() {
    let rows = table("| key | aliases | default targets |");
    assert!(rows.len() >= 14, "{} regularizers", rows.len());
    for row in rows {
        let key = &ticked(&row[0])[0];
        for name in std::iter::once(key.clone()).chain(ticked(&row[1])) {
            let printed = text(&format!("{name} = 0.25 @ in:out"));
            assert!(
                printed
                    .lines()
                    .any(|l| l.starts_with(&format!("{key} = 0.25"))),
                "{name} should be {key}:\n{printed}"
            );
        }
    }
}

#[test]
fn every_loss_and_alias_is_the_parsers() {
    let rows = table("| key | aliases | for | definition |");
    assert_eq!(rows.len(), 5);
    for row in rows {
        let key = &ticked(&row[0])[0];
        for name in std::iter::once(key.clone()).chain(ticked(&row[1])) {
            let printed = text(&format!("loss = {name}"));
            assert!(
                printed.lines().any(|l| l == format!("loss = {key}")),
                "{name}"
            );
        }
    }
}

#[test]
fn every_optimizer_and_its_hyperparameters_defaults_are_the_parsers() {
    let rows = table("| `algo` | hyperparameters (default) | step |");
    assert_eq!(rows.len(), staticnets::optim::ALGOS.len());
    for row in rows {
        let name = &ticked(&row[0])[0];
        let printed = text(&format!("algo = {name}"));
        let hyper = ticked(&row[1]);
        // `key` (`default`) pairs
        for pair in hyper.chunks(2) {
            let line = format!("{} = {}", pair[0], pair[1]);
            assert!(
                printed.lines().any(|l| l == line),
                "{name}: {line} not in\n{printed}"
            );
        }
        // and no hyperparameter the page does not list
        let listed = printed
            .lines()
            .skip(1)
            .take_while(|l| !l.starts_with("learning_rate"))
            .count();
        assert_eq!(listed * 2, hyper.len(), "{name}'s hyperparameters");
    }
}
