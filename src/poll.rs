//! Poll tallies (FORMAT.md section 6): for each voter key, its last valid vote
//! by log index whose time is not after `closes`.

use crate::report::PollTally;
use crate::statement::{format_time, id_to_hex, Id};
use hashbrown::HashMap;

/// The poll that started the project (FORMAT.md section 5): the demo's poll
/// and the collector's example poll ask it.
pub const EXAMPLE_QUESTION: &str = "What matters more in decentralized AI?";
pub const EXAMPLE_OPTIONS: [&str; 4] = ["knowing what went wrong", "someone taking responsibility", "both are essential", "neither"];

#[derive(serde::Serialize, serde::Deserialize)]
struct Poll {
    index: u32,
    id: Id,
    question: String,
    options: Vec<String>,
    closes: i64,
    late: u64,
    superseded: u64,
    /// voter (interned actor) -> choice of its latest counted vote.
    last: HashMap<u32, usize>,
}

pub enum VoteProblem {
    Late { closes: i64 },
    Invalid(String),
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    polls: Vec<Poll>,
    by_index: HashMap<u32, usize>,
}

impl Tally {
    pub fn poll(&mut self, index: u32, id: Id, question: String, options: Vec<String>, closes: i64) {
        self.by_index.insert(index, self.polls.len());
        self.polls.push(Poll { index, id, question, options, closes, late: 0, superseded: 0, last: HashMap::new() });
    }

    /// Counts a vote given in log order; `refs` are resolved earlier indexes.
    pub fn vote(&mut self, _index: u32, voter: u32, choice: i64, time: i64, refs: &[u32]) -> Result<(), VoteProblem> {
        let Some(&p) = refs.iter().find_map(|r| self.by_index.get(r)) else {
            return Err(VoteProblem::Invalid("a vote must reference a valid poll statement of this log".into()));
        };
        let poll = &mut self.polls[p];
        if choice < 0 || choice as usize >= poll.options.len() {
            return Err(VoteProblem::Invalid(format!("choice {choice} is out of range: the poll has {} options (0 to {})", poll.options.len(), poll.options.len() - 1)));
        }
        if time > poll.closes {
            poll.late += 1;
            return Err(VoteProblem::Late { closes: poll.closes });
        }
        if poll.last.insert(voter, choice as usize).is_some() {
            poll.superseded += 1;
        }
        Ok(())
    }

    pub fn finish(&self) -> Vec<PollTally> {
        self.polls
            .iter()
            .map(|p| {
                let mut counts = vec![0u64; p.options.len()];
                for &c in p.last.values() {
                    counts[c] += 1;
                }
                PollTally {
                    poll: id_to_hex(&p.id),
                    index: p.index as u64,
                    question: p.question.clone(),
                    options: p.options.clone(),
                    closes: format_time(p.closes),
                    counts,
                    voters: p.last.len() as u64,
                    late: p.late,
                    superseded: p.superseded,
                }
            })
            .collect()
    }
}
