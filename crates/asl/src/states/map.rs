//! The Map state: runs a processor scope for each item of an array (inline) or of a dataset
//! read by an `ItemReader` (distributed), with batching, result writing and failure tolerance.

use crate::model::{Dynamic, PathField, QueryLanguage, Scope, Template};
use crate::parse::{Obj, Parser};
use crate::template::JsonataTemplate;
use serde_json::Value;

/// How the processor runs its iterations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProcessorMode {
    /// In the parent execution (the default).
    #[default]
    Inline,
    /// As child executions of a Map Run, STANDARD or EXPRESS.
    Distributed {
        /// True for EXPRESS child executions.
        express: bool,
    },
}

/// `ItemProcessor` (or legacy `Iterator`).
#[derive(Debug, Clone)]
pub struct ItemProcessor {
    /// `ProcessorConfig.Mode` / `ExecutionType`.
    pub mode: ProcessorMode,
    /// The states run per item.
    pub scope: Scope,
    /// Written as the legacy `Iterator` field.
    pub legacy_iterator: bool,
}

/// `ItemReader`: where a distributed Map reads its items.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemReader {
    /// `Resource`, e.g. `arn:aws:states:::s3:getObject`.
    pub resource: String,
    /// `ReaderConfig`, kept as given (validated).
    pub reader_config: Option<Value>,
    /// `MaxItems` / `MaxItemsPath` from `ReaderConfig`.
    pub max_items: Option<Dynamic<u64>>,
    /// `Parameters` / `Arguments`.
    pub arguments: Option<Template>,
}

/// `ItemBatcher`: groups items into batches.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemBatcher {
    /// `MaxItemsPerBatch` / `MaxItemsPerBatchPath`.
    pub max_items_per_batch: Option<Dynamic<u64>>,
    /// `MaxInputBytesPerBatch` / `MaxInputBytesPerBatchPath`.
    pub max_input_bytes_per_batch: Option<Dynamic<u64>>,
    /// `BatchInput`: extra data added to every batch.
    pub batch_input: Option<Template>,
}

/// `ResultWriter`: where a distributed Map writes its results.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultWriter {
    /// `Resource`, e.g. `arn:aws:states:::s3:putObject`.
    pub resource: Option<String>,
    /// `Parameters` / `Arguments`.
    pub arguments: Option<Template>,
    /// `WriterConfig`, kept as given.
    pub writer_config: Option<Value>,
}

/// A Map state's own fields.
#[derive(Debug, Clone)]
pub struct MapState {
    /// The processor.
    pub processor: ItemProcessor,
    /// `ItemsPath` (JSONPath).
    pub items_path: PathField,
    /// `Items` (JSONata): an array or an expression.
    pub items: Option<JsonataTemplate>,
    /// `ItemSelector` (or legacy `Parameters`).
    pub item_selector: Option<Template>,
    /// `ItemReader`.
    pub item_reader: Option<ItemReader>,
    /// `ItemBatcher`.
    pub item_batcher: Option<ItemBatcher>,
    /// `ResultWriter`.
    pub result_writer: Option<ResultWriter>,
    /// `MaxConcurrency` / `MaxConcurrencyPath` (0 = unlimited).
    pub max_concurrency: Option<Dynamic<u64>>,
    /// `ToleratedFailurePercentage` / `…Path`.
    pub tolerated_failure_percentage: Option<Dynamic<f64>>,
    /// `ToleratedFailureCount` / `…Path`.
    pub tolerated_failure_count: Option<Dynamic<u64>>,
    /// `Label`: the Map Run name prefix.
    pub label: Option<String>,
}

/// The longest Map `Label` AWS accepts.
pub const MAX_LABEL_LENGTH: usize = 40;

/// True for characters AWS forbids in a Map `Label` (as in execution names).
fn is_forbidden_label_char(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || ('\u{7f}'..='\u{9f}').contains(&c)
        || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
}

impl Parser {
    pub(crate) fn map_state(&mut self, obj: Obj<'_>, language: QueryLanguage) -> Option<MapState> {
        let processor = self.item_processor(obj);
        let items_path = self.path_field(obj, "ItemsPath", true);
        let items = match obj.get("Items") {
            Some(value @ Value::String(_)) => self
                .jsonata_expression_value(value, &obj.ptr("Items"), "Items")
                .map(JsonataTemplate::Expression),
            Some(Value::Array(_)) => self.jsonata_template(obj, "Items"),
            Some(_) => {
                self.error(
                    obj.ptr("Items"),
                    "The value for the field 'Items' must be an ARRAY or a JSONata expression",
                );
                None
            }
            None => None,
        };
        self.at_most_one(obj, &["Parameters", "ItemSelector"]);
        let selector_key = if obj.has("ItemSelector") {
            "ItemSelector"
        } else {
            "Parameters"
        };
        let item_selector = match language {
            QueryLanguage::JsonPath => self
                .payload_template(obj, selector_key)
                .map(Template::JsonPath),
            QueryLanguage::Jsonata => self.object_template(obj, selector_key, language),
        };
        let item_reader = self.item_reader(obj, language);
        let item_batcher = self.item_batcher(obj, language);
        let result_writer = self.result_writer(obj, language);
        let max_concurrency = self.dynamic_integer(
            obj,
            "MaxConcurrency",
            Some("MaxConcurrencyPath"),
            language,
            0,
            u64::MAX,
        );
        let tolerated_failure_percentage = self.tolerated_percentage(obj, language);
        let tolerated_failure_count = self.dynamic_integer(
            obj,
            "ToleratedFailureCount",
            Some("ToleratedFailureCountPath"),
            language,
            0,
            u64::from(u32::MAX),
        );
        let label = self.label(obj);
        Some(MapState {
            processor: processor?,
            items_path,
            items,
            item_selector,
            item_reader,
            item_batcher,
            result_writer,
            max_concurrency,
            tolerated_failure_percentage,
            tolerated_failure_count,
            label,
        })
    }

    fn item_processor(&mut self, obj: Obj<'_>) -> Option<ItemProcessor> {
        let key = match (obj.has("ItemProcessor"), obj.has("Iterator")) {
            (true, true) => {
                self.at_most_one(obj, &["ItemProcessor", "Iterator"]);
                return None;
            }
            (true, false) => "ItemProcessor",
            (false, true) => "Iterator",
            (false, false) => {
                self.error(
                    obj.at,
                    "The field 'ItemProcessor' is required but was missing",
                );
                return None;
            }
        };
        let at = obj.ptr(key);
        let map = self.object(obj, key)?;
        let processor = Obj { map, at: &at };
        let mode = self.processor_config(processor);
        let distributed = matches!(mode, ProcessorMode::Distributed { .. });
        self.distributed_depth += usize::from(distributed);
        let scope = self.nested_scope(
            processor,
            &["StartAt", "States", "Comment", "ProcessorConfig"],
            &format!("in a Map state's {key}"),
        );
        self.distributed_depth -= usize::from(distributed);
        let scope = scope?;
        Some(ItemProcessor {
            mode,
            scope,
            legacy_iterator: key == "Iterator",
        })
    }

    fn processor_config(&mut self, processor: Obj<'_>) -> ProcessorMode {
        let at = processor.ptr("ProcessorConfig");
        let Some(map) = self.object(processor, "ProcessorConfig") else {
            return ProcessorMode::Inline;
        };
        let config = Obj { map, at: &at };
        self.check_fields(config, &["Mode", "ExecutionType"], "in ProcessorConfig");
        let distributed = match self.string(config, "Mode") {
            None | Some("INLINE") => false,
            Some("DISTRIBUTED") => true,
            Some(_) => {
                self.error(
                    config.ptr("Mode"),
                    "The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]",
                );
                false
            }
        };
        let express = match self.string(config, "ExecutionType") {
            None | Some("STANDARD") => false,
            Some("EXPRESS") => true,
            Some(_) => {
                self.error(
                    config.ptr("ExecutionType"),
                    "The field 'ExecutionType' should have one of these values: [STANDARD, EXPRESS]",
                );
                false
            }
        };
        if distributed && !config.has("ExecutionType") {
            self.error(
                config.at,
                "The field 'ExecutionType' is required but was missing",
            );
        }
        if distributed {
            ProcessorMode::Distributed { express }
        } else {
            ProcessorMode::Inline
        }
    }

    fn tolerated_percentage(
        &mut self,
        obj: Obj<'_>,
        language: QueryLanguage,
    ) -> Option<Dynamic<f64>> {
        let (key, path_key) = (
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
        );
        if !self.at_most_one(obj, &[key, path_key]) {
            return None;
        }
        if obj.has(path_key) {
            return self.path(obj, path_key, true).map(Dynamic::Path);
        }
        let value = obj.get(key)?;
        if language == QueryLanguage::Jsonata && value.is_string() {
            return self
                .jsonata_expression_value(value, &obj.ptr(key), key)
                .map(Dynamic::Expression);
        }
        self.number(obj, key, 0.0, 100.0).map(Dynamic::Static)
    }

    fn label(&mut self, obj: Obj<'_>) -> Option<String> {
        let label = self.string(obj, "Label")?;
        let at = obj.ptr("Label");
        if label.is_empty() {
            self.error(&at, "Label cannot be empty");
        } else if label.chars().count() > MAX_LABEL_LENGTH {
            self.error(
                &at,
                format!("Label cannot exceed {MAX_LABEL_LENGTH} characters"),
            );
        } else if let Some(c) = label.chars().find(|&c| is_forbidden_label_char(c)) {
            self.error(&at, format!("Label contains invalid character: {c:?}"));
        } else {
            return Some(label.to_owned());
        }
        None
    }

    /// `Parameters` (JSONPath) or `Arguments` (JSONata) of a reader or writer.
    fn resource_arguments(&mut self, obj: Obj<'_>, language: QueryLanguage) -> Option<Template> {
        match language {
            QueryLanguage::JsonPath => self.object_template(obj, "Parameters", language),
            QueryLanguage::Jsonata => self.object_template(obj, "Arguments", language),
        }
    }

    fn item_reader(&mut self, obj: Obj<'_>, language: QueryLanguage) -> Option<ItemReader> {
        let at = obj.ptr("ItemReader");
        let map = self.object(obj, "ItemReader")?;
        let reader = Obj { map, at: &at };
        let allowed: &[&str] = match language {
            QueryLanguage::JsonPath => &["Resource", "ReaderConfig", "Parameters"],
            QueryLanguage::Jsonata => &["Resource", "ReaderConfig", "Arguments"],
        };
        self.check_language_fields(reader, allowed, "in ItemReader", language);
        self.require(reader, "Resource");
        let resource = self
            .non_empty_string(reader, "Resource")
            .unwrap_or_default()
            .to_owned();
        let arguments = self.resource_arguments(reader, language);
        let mut max_items = None;
        let reader_config = match reader.get("ReaderConfig") {
            Some(Value::Object(config_map)) => {
                let config_at = reader.ptr("ReaderConfig");
                let config = Obj {
                    map: config_map,
                    at: &config_at,
                };
                self.reader_config(config);
                max_items = self.dynamic_integer(
                    config,
                    "MaxItems",
                    Some("MaxItemsPath"),
                    language,
                    1,
                    100_000_000,
                );
                Some(Value::Object(config_map.clone()))
            }
            Some(_) => {
                self.error(
                    reader.ptr("ReaderConfig"),
                    "The value for the field 'ReaderConfig' must be an OBJECT",
                );
                None
            }
            None => None,
        };
        Some(ItemReader {
            resource,
            reader_config,
            max_items,
            arguments,
        })
    }

    fn reader_config(&mut self, config: Obj<'_>) {
        let enums: [(&str, &[&str]); 3] = [
            (
                "InputType",
                &["CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"],
            ),
            ("CSVHeaderLocation", &["FIRST_ROW", "GIVEN"]),
            (
                "CSVDelimiter",
                &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"],
            ),
        ];
        for (key, values) in enums {
            if let Some(value) = self.string(config, key)
                && !values.contains(&value)
            {
                self.error(
                    config.ptr(key),
                    format!(
                        "The field '{key}' should have one of these values: [{}]",
                        values.join(", ")
                    ),
                );
            }
        }
        if let Some(headers) = config.get("CSVHeaders")
            && !headers
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string))
        {
            self.error(
                config.ptr("CSVHeaders"),
                "The value for the field 'CSVHeaders' must be an ARRAY of STRINGs",
            );
        }
    }

    fn item_batcher(&mut self, obj: Obj<'_>, language: QueryLanguage) -> Option<ItemBatcher> {
        let at = obj.ptr("ItemBatcher");
        let map = self.object(obj, "ItemBatcher")?;
        let batcher = Obj { map, at: &at };
        let allowed: &[&str] = match language {
            QueryLanguage::JsonPath => &[
                "MaxItemsPerBatch",
                "MaxItemsPerBatchPath",
                "MaxInputBytesPerBatch",
                "MaxInputBytesPerBatchPath",
                "BatchInput",
            ],
            QueryLanguage::Jsonata => &["MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"],
        };
        self.check_language_fields(batcher, allowed, "in ItemBatcher", language);
        let max_items_per_batch = self.dynamic_integer(
            batcher,
            "MaxItemsPerBatch",
            Some("MaxItemsPerBatchPath"),
            language,
            1,
            u64::from(u32::MAX),
        );
        let max_input_bytes_per_batch = self.dynamic_integer(
            batcher,
            "MaxInputBytesPerBatch",
            Some("MaxInputBytesPerBatchPath"),
            language,
            1,
            262_144,
        );
        let batch_input = self.object_template(batcher, "BatchInput", language);
        Some(ItemBatcher {
            max_items_per_batch,
            max_input_bytes_per_batch,
            batch_input,
        })
    }

    fn result_writer(&mut self, obj: Obj<'_>, language: QueryLanguage) -> Option<ResultWriter> {
        let at = obj.ptr("ResultWriter");
        let map = self.object(obj, "ResultWriter")?;
        let writer = Obj { map, at: &at };
        let allowed: &[&str] = match language {
            QueryLanguage::JsonPath => &["Resource", "Parameters", "WriterConfig"],
            QueryLanguage::Jsonata => &["Resource", "Arguments", "WriterConfig"],
        };
        self.check_language_fields(writer, allowed, "in ResultWriter", language);
        let resource = self.non_empty_string(writer, "Resource").map(str::to_owned);
        let arguments = self.resource_arguments(writer, language);
        let writer_config = self
            .object(writer, "WriterConfig")
            .map(|m| Value::Object(m.clone()));
        if resource.is_none() && writer_config.is_none() {
            self.error(
                writer.at,
                "The field 'Resource' is required but was missing",
            );
        }
        Some(ResultWriter {
            resource,
            arguments,
            writer_config,
        })
    }
}
