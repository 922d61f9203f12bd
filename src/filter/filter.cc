#include "filter/filter.h"

#include <algorithm>
#include <utility>

#include "filter/binder.h"
#include "filter/parser.h"
#include "model/index_terms.h"

namespace roentgen::filter {
namespace {

using Node = CompiledPredicate::Node;
using Kind = CompiledPredicate::Kind;

// A set of index terms, one of which every trace matching a sub-predicate carries; `rank` says
// how selective the set is expected to be (higher is better). No terms: unknown (scan).
struct Plan {
  std::vector<std::string> terms;
  int rank = 0;
  bool indexed() const { return !terms.empty(); }
};

// A simple static ranking of term kinds by expected selectivity.
constexpr int kRankFlag = 1;
constexpr int kRankAnnotationKey = 2;
constexpr int kRankServiceName = 3;
constexpr int kRankAnnotationValue = 4;

Plan Single(std::string term, int rank) { return Plan{{std::move(term)}, rank}; }

// The better of two plans for a conjunction: either is a valid candidate set.
Plan Better(Plan a, Plan b) {
  if (!a.indexed()) return b;
  if (!b.indexed()) return a;
  if (a.rank != b.rank) return a.rank > b.rank ? std::move(a) : std::move(b);
  return a.terms.size() <= b.terms.size() ? std::move(a) : std::move(b);
}

class Planner {
 public:
  explicit Planner(const CompiledPredicate& predicate) : p_(predicate) {}

  // Terms for `index` evaluated in the trace view (top level).
  Plan Trace(uint32_t index) const {
    const Node& node = p_.nodes()[index];
    switch (node.kind) {
      case Kind::kAnd:
      case Kind::kOr:
        return Junction(node, [this](uint32_t i) { return Trace(i); });
      case Kind::kBool:
        switch (node.field) {
          case Field::kTraceFault:
            return Single(FlagTermOf(model::FlagTerm::kRootFault), kRankFlag);
          case Field::kTraceError:
            return Single(FlagTermOf(model::FlagTerm::kRootError), kRankFlag);
          case Field::kTraceThrottle:
            return Single(FlagTermOf(model::FlagTerm::kThrottle), kRankFlag);
          default:
            return {};
        }
      case Kind::kAnnotationSet:
      case Kind::kAnnotationNumber:
      case Kind::kAnnotationString:
      case Kind::kAnnotationBool: {
        // Any match reads a value stored under the key, so the key term is always carried; an
        // `=` names the exact value term (numbers spell canonically, so 5 and 5.0 agree).
        if (node.op == CompareOp::kEq && node.kind != Kind::kAnnotationSet) {
          model::AnnotationValue value;
          if (node.kind == Kind::kAnnotationString) value = node.text;
          if (node.kind == Kind::kAnnotationNumber) value = node.number;
          if (node.kind == Kind::kAnnotationBool) value = node.flag;
          return Single(model::AnnotationValueTerm(node.key, value), kRankAnnotationValue);
        }
        return Single(model::AnnotationKeyTerm(node.key), kRankAnnotationKey);
      }
      case Kind::kService: {
        Plan plan;
        if (node.selector != CompiledPredicate::kNone) plan = Named(node.selector);
        if (node.left != CompiledPredicate::kNone)
          plan = Better(std::move(plan), Entity(node.left));
        return plan;
      }
      case Kind::kEdge: {
        Plan plan = Better(Named(node.selector), Named(node.selector2));
        if (node.left != CompiledPredicate::kNone)
          plan = Better(std::move(plan), Entity(node.left));
        return plan;
      }
      default:
        // kConst, kNot, numbers, strings, root causes: no term every match must carry.
        return {};
    }
  }

 private:
  // Terms for `index` evaluated on one node segment or edge call: its flags are filed as the
  // "any" flags, which cover every node segment and every edge call.
  Plan Entity(uint32_t index) const {
    const Node& node = p_.nodes()[index];
    switch (node.kind) {
      case Kind::kAnd:
      case Kind::kOr:
        return Junction(node, [this](uint32_t i) { return Entity(i); });
      case Kind::kBool:
        switch (node.field) {
          case Field::kFactsFault:
            return Single(FlagTermOf(model::FlagTerm::kAnyFault), kRankFlag);
          case Field::kFactsError:
            return Single(FlagTermOf(model::FlagTerm::kAnyError), kRankFlag);
          case Field::kFactsThrottle:
            return Single(FlagTermOf(model::FlagTerm::kAnyThrottle), kRankFlag);
          default:
            return {};
        }
      default:
        return {};
    }
  }

  // A node matching the selector carries its name (node names and aliases are both filed).
  Plan Named(uint32_t selector) const {
    const BoundSelector& s = p_.selectors()[selector];
    if (!s.name.has_value()) return {};
    return Single(model::ServiceNameTerm(*s.name), kRankServiceName);
  }

  template <typename Sub>
  Plan Junction(const Node& node, Sub sub) const {
    const bool is_and = node.kind == Kind::kAnd;
    Plan plan;
    for (uint32_t i = node.begin; i < node.end; ++i) {
      Plan operand = sub(p_.operands()[i]);
      if (is_and) {
        plan = Better(std::move(plan), std::move(operand));
        continue;
      }
      // OR: every side must be indexed; the union then covers every match.
      if (!operand.indexed()) return {};
      plan.rank = i == node.begin ? operand.rank : std::min(plan.rank, operand.rank);
      plan.terms.insert(plan.terms.end(), operand.terms.begin(), operand.terms.end());
    }
    return plan;
  }

  const CompiledPredicate& p_;
};

// Whether `field`, read at the top level, looks at root causes, nodes or edges. Every Facts and
// Rc field does, but only inside a service, edge or root-cause node, which reads them anyway.
bool FieldReadsGraph(Field field) {
  switch (field) {
    case Field::kTraceOk:        // the root segment's flags, from its node
    case Field::kTraceInferred:  // some node
      return true;
    case Field::kTraceError:
    case Field::kTraceFault:
    case Field::kTraceThrottle:
    case Field::kTracePartial:
    case Field::kTraceResponseTime:
    case Field::kTraceDuration:
    case Field::kTraceHttpStatus:
    case Field::kTraceHttpUrl:
    case Field::kTraceHttpMethod:
    case Field::kTraceHttpUserAgent:
    case Field::kTraceHttpClientIp:
    case Field::kTraceUser:
    case Field::kTraceAvailabilityZone:
    case Field::kTraceInstanceId:
    case Field::kTraceResourceArn:
    case Field::kTraceAccountId:
      return false;
    case Field::kFactsOk:
    case Field::kFactsError:
    case Field::kFactsFault:
    case Field::kFactsThrottle:
    case Field::kFactsPartial:
    case Field::kFactsRoot:
    case Field::kRcFirst:
    case Field::kRcLast:
    case Field::kRcServiceInferred:
    case Field::kRcEntityRemote:
    case Field::kFactsResponseTime:
    case Field::kFactsHttpStatus:
    case Field::kRcIndex:
    case Field::kRcEntityCoverage:
    case Field::kFactsHttpUrl:
    case Field::kFactsHttpMethod:
    case Field::kFactsHttpUserAgent:
    case Field::kFactsHttpClientIp:
    case Field::kFactsUser:
    case Field::kFactsAvailabilityZone:
    case Field::kFactsInstanceId:
    case Field::kFactsResourceArn:
    case Field::kRcServiceName:
    case Field::kRcServiceType:
    case Field::kRcServiceAccountId:
    case Field::kRcEntityName:
    case Field::kRcExceptionName:
    case Field::kRcExceptionMessage:
      return true;
  }
  return true;
}

// Whether evaluating `predicate` may read root causes, nodes or edges: a conservative answer
// from every node of the tree (reachable or not).
bool PredicateReadsGraph(const CompiledPredicate& predicate) {
  for (const Node& node : predicate.nodes()) {
    switch (node.kind) {
      case Kind::kConst:
      case Kind::kAnd:
      case Kind::kOr:
      case Kind::kNot:
      case Kind::kAnnotationSet:
      case Kind::kAnnotationString:
      case Kind::kAnnotationNumber:
      case Kind::kAnnotationBool:
        break;
      case Kind::kBool:
      case Kind::kNumber:
      case Kind::kStringSet:
      case Kind::kString:
        if (FieldReadsGraph(node.field)) return true;
        break;
      case Kind::kService:
      case Kind::kEdge:
      case Kind::kRootCause:
      case Kind::kRootCauseJson:
        return true;
    }
  }
  return false;
}

}  // namespace

Result<Filter> Filter::Compile(std::string_view expression, const CompileOptions& options) {
  ASSIGN_OR_RETURN(Ast ast, ParseFilter(expression));
  Filter filter;
  if (ast.root == nullptr) return filter;
  ASSIGN_OR_RETURN(std::unique_ptr<CompiledPredicate> predicate,
                   CompiledPredicate::Bind(ast, options));
  Plan plan = Planner(*predicate).Trace(predicate->root());
  std::sort(plan.terms.begin(), plan.terms.end());
  plan.terms.erase(std::unique(plan.terms.begin(), plan.terms.end()), plan.terms.end());
  filter.candidate_terms_ = std::move(plan.terms);
  filter.reads_graph_ = PredicateReadsGraph(*predicate);
  filter.predicate_ = std::move(predicate);
  return filter;
}

bool Filter::Matches(const model::TraceSummary& summary) const {
  return predicate_ == nullptr || predicate_->Matches(summary);
}

}  // namespace roentgen::filter
