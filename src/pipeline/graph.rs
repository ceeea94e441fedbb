//! The dependency graph of a pipeline's checks (`needs` and `after` edges): cycle detection.

/// A cycle among the edges (`edges[i]` lists what check `i` waits for), as the check indexes
/// along it with the first repeated at the end, or `None`.
pub fn find_cycle(edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        node: usize,
        edges: &[Vec<usize>],
        marks: &mut [Mark],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        marks[node] = Mark::Open;
        path.push(node);
        for &next in &edges[node] {
            match marks[next] {
                Mark::Open => {
                    let start = path.iter().position(|&n| n == next).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next);
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(cycle) = visit(next, edges, marks, path) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks[node] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::New; edges.len()];
    (0..edges.len()).find_map(|node| {
        if marks[node] == Mark::New {
            visit(node, edges, &mut marks, &mut Vec::new())
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acyclic_graph_has_no_cycle() {
        assert_eq!(find_cycle(&[vec![], vec![0], vec![0, 1]]), None);
    }

    #[test]
    fn cycle_is_reported_along_its_path() {
        assert_eq!(
            find_cycle(&[vec![2], vec![0], vec![1]]),
            Some(vec![0, 2, 1, 0])
        );
    }

    #[test]
    fn self_dependency_is_a_cycle() {
        assert_eq!(find_cycle(&[vec![0]]), Some(vec![0, 0]));
    }
}
