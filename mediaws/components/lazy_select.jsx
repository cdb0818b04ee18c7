// A Radix Themes select whose list exists only while it is open. A closed Radix select still renders every
// item (into a detached fragment, to find the chosen one's text) and, when it mounts, renders itself a
// second time to make that fragment: on Generate that was the models of a type, twice, and each option's
// values, re-rendered whenever the form changed. Here the trigger is given the chosen item's text itself,
// and the list is rendered when it opens.
import { useState } from "react";
import { Select } from "@radix-ui/themes";

function row(item, valueKey, labelKey, enabledKey) {
  if (typeof item === "string") return { value: item, label: item, disabled: false };
  return {
    value: item[valueKey],
    label: item[labelKey],
    disabled: enabledKey ? !item[enabledKey] : false,
  };
}

export default function LazySelect({
  items = [],
  valueKey = "value",
  labelKey = "label",
  enabledKey = "",
  value,
  defaultValue,
  onValueChange,
  placeholder,
  id,
  className,
  style,
  "aria-label": ariaLabel,
  ...root
}) {
  const [open, setOpen] = useState(false);
  const [picked, setPicked] = useState(defaultValue);
  const rows = items.map((item) => row(item, valueKey, labelKey, enabledKey));
  const current = value === undefined ? picked : value;
  const chosen = rows.find((r) => r.value === current);
  const change = (next) => {
    if (value === undefined) setPicked(next);
    if (onValueChange) onValueChange(next);
  };
  return (
    <Select.Root {...root} value={current ?? ""} onValueChange={change} open={open} onOpenChange={setOpen}>
      <Select.Trigger id={id} className={className} style={style} aria-label={ariaLabel} placeholder={placeholder}>
        {chosen ? chosen.label : undefined}
      </Select.Trigger>
      {open && (
        <Select.Content>
          {rows.map((r) => (
            <Select.Item key={r.value} value={r.value} disabled={r.disabled}>
              {r.label}
            </Select.Item>
          ))}
        </Select.Content>
      )}
    </Select.Root>
  );
}
