// The TextFSM engine behind noc-query: the templates shipped with nockit, then the user's
// ntc-templates directories, chosen through their indexes by platform and command.
#pragma once

#include "core/result.hpp"
#include "query/records.hpp"

#include <string>
#include <vector>

namespace nockit::query {

/// A parser over the shipped templates and then `user_dir` (the configuration's `templates`)
/// and $NOCKIT_TEMPLATES. Commands no index row covers come back as "no template" (nullopt), so
/// the platform's own patterns can take over.
Result<TemplateParser> template_parser(const std::string& user_dir);

/// The same over exactly these directories after the shipped templates.
Result<TemplateParser> template_parser_for(const std::vector<std::string>& dirs);

}  // namespace nockit::query
