// Every loader of the datasets library, for code that wants them all.
#pragma once

#include "datasets/load_citation.h"
#include "datasets/load_doc_summary.h"
#include "datasets/load_edge_list.h"
#include "datasets/load_linqs.h"
#include "datasets/load_planetoid.h"
#include "datasets/load_text_pairs.h"
