#include "distribution/distribution.h"

namespace dci {

std::string_view restart_policy_name(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::Always: return "always";
    case RestartPolicy::OnFailure: return "on-failure";
    case RestartPolicy::Never: return "never";
  }
  return "?";
}

const RoleSpec& Distribution::role(Role which) const {
  switch (which) {
    case Role::Master: return master;
    case Role::Agent: return agent;
    case Role::PublicAgent: return public_agent;
  }
  return master;
}

RoleSpec& Distribution::role(Role which) {
  return const_cast<RoleSpec&>(static_cast<const Distribution&>(*this).role(which));
}

}  // namespace dci
