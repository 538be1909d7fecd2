export { DATATYPES, isDatatype, toDatatype, elementSize, arrayOf, allocate, type Datatype, type DataOf, type TensorData } from "./datatype.js";
export { tensor, checkTensor, elementCount, byteLength, MAX_TENSOR_ELEMENTS, type Tensor, type Parameters, type ParameterValue } from "./tensor.js";
