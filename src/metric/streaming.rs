//! The accumulator of any streaming metric, behind one type the engine holds, clones and merges.

use std::any::Any;
use std::fmt;

use super::{Accumulator, Estimate, MetricError, Predictions};

/// The state of some streaming metric: any [`Accumulator`], boxed.
pub struct MetricState(Box<dyn AnyAccumulator>);

impl MetricState {
    /// The state of `accumulator`'s metric.
    pub fn new<A: Accumulator + Clone + fmt::Debug + Send + Sync + 'static>(
        accumulator: A,
    ) -> MetricState {
        MetricState(Box::new(accumulator))
    }
}

impl Accumulator for MetricState {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        self.0.add(batch)
    }

    /// Merging the states of different metrics is a bug of the caller and panics.
    fn merge(&mut self, other: &Self) {
        self.0.merge_any(other.0.as_any());
    }

    fn finish(&self) -> Estimate {
        self.0.finish()
    }
}

impl Clone for MetricState {
    fn clone(&self) -> Self {
        MetricState(self.0.clone_box())
    }
}

impl fmt::Debug for MetricState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An accumulator behind a pointer: typed merging by downcast, and cloning.
trait AnyAccumulator: fmt::Debug + Send + Sync {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError>;
    fn merge_any(&mut self, other: &dyn Any);
    fn finish(&self) -> Estimate;
    fn as_any(&self) -> &dyn Any;
    fn clone_box(&self) -> Box<dyn AnyAccumulator>;
}

impl<A: Accumulator + Clone + fmt::Debug + Send + Sync + 'static> AnyAccumulator for A {
    fn add(&mut self, batch: &Predictions) -> Result<(), MetricError> {
        Accumulator::add(self, batch)
    }

    fn merge_any(&mut self, other: &dyn Any) {
        match other.downcast_ref::<A>() {
            Some(other) => self.merge(other),
            None => panic!("merging the states of different metrics: {self:?} and another"),
        }
    }

    fn finish(&self) -> Estimate {
        Accumulator::finish(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn clone_box(&self) -> Box<dyn AnyAccumulator> {
        Box::new(self.clone())
    }
}
